// The component's provider process: what the Pulumi CLI starts as the plugin
// `batch-cert-rotation`, either from this folder (PulumiPlugin.yaml, after
// `pulumi package add`) or through the executable beside it on PATH.
import { serve } from "../components/provider";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the version the package is published as
const { version } = require("../package.json") as { version: string };

void serve(version, process.argv.slice(2));
