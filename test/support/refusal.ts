// What validation says about a configuration it must refuse: the one-line
// problems a user reads, asserted exactly by the tests of every rule.
import assert from "node:assert/strict";
import { ValidationError, validateConfig } from "../../components/validation";

export function problems(config: Record<string, unknown>): string[] {
    try {
        validateConfig(config);
    } catch (err) {
        assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
        return err.problems;
    }
    assert.fail("expected the configuration to be rejected");
}
