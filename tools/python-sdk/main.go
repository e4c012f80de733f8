// Generates the Python SDK of a Pulumi package schema with the Pulumi CLI's own
// Python code generator (github.com/pulumi/pulumi/pkg/v3/codegen/python, what
// `pulumi package gen-sdk --language python` runs through the Python language
// host, which can't be built here). Used by ../python-sdk.sh only.
//
//	sdkgen <schema.json> <out dir>
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: sdkgen <schema.json> <out dir>")
		os.Exit(2)
	}
	in, out := os.Args[1], os.Args[2]
	b, err := os.ReadFile(in)
	if err != nil {
		panic(err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(b, &spec); err != nil {
		panic(err)
	}
	// The schema refers to no other package, so the loader never starts a plugin.
	pkg, diags, err := schema.BindSpec(spec, schema.NewPluginLoader(nil), schema.ValidationOptions{})
	if err != nil {
		panic(err)
	}
	if diags.HasErrors() {
		fmt.Fprintln(os.Stderr, diags.Error())
		os.Exit(1)
	}
	files, err := python.GeneratePackage("pulumi", pkg, nil, nil)
	if err != nil {
		panic(err)
	}
	for name, content := range files {
		p := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			panic(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			panic(err)
		}
	}
}
