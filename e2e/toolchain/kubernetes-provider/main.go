// Command pulumi-resource-kubernetes: the Kubernetes provider's own Serve, with the schema and
// terraform mapping that the build script copies from the provider module's directory (upstream's
// main embeds generated files that are not in the module zip).
package main

import (
	_ "embed"
	"encoding/json"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var schemaJSON []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	// The schema's version is the provider's, as upstream's generate step writes it.
	var schema map[string]any
	if err := json.Unmarshal(schemaJSON, &schema); err != nil {
		panic(err)
	}
	schema["version"] = version.Version
	versioned, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	provider.Serve("kubernetes", version.Version, versioned, terraformMapping)
}
