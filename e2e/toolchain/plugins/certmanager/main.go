// Command pulumi-resource-kubernetes-cert-manager: a stand-in for the component provider behind
// @pulumi/kubernetes-cert-manager, for the e2e run only.
//
// The real plugin's module (github.com/pulumi/pulumi-kubernetes-cert-manager/provider) is not
// served by the module proxy this project reaches (e2e/README.md). The component is a thin one:
// a `kubernetes:helm.sh/v3:Release` of the cert-manager chart whose values are the component's
// inputs other than `helmOptions`, and whose release settings are `helmOptions`. This stand-in
// constructs the same child with the Go SDK, so the real Kubernetes provider installs the chart.
package main

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pprovider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"research-platform.local/e2e/plugins/internal/serve"
)

// Version is set by the build (-ldflags -X main.Version=...), to the version the npm package declares.
var Version = "0.0.0"

const componentType = "kubernetes-cert-manager:index:CertManager"

// The inputs of kubernetes:helm.sh/v3:Release that helmOptions may set (chart and repositoryOpts
// are handled apart; values are the component's other inputs).
var releaseFields = []string{
	"allowNullValues", "atomic", "cleanupOnFail", "compat", "createNamespace", "dependencyUpdate",
	"description", "devel", "disableCRDHooks", "disableOpenapiValidation", "disableWebhooks", "forceUpdate",
	"keyring", "lint", "maxHistory", "name", "namespace", "postrender", "recreatePods",
	"renderSubchartNotes", "replace", "resetValues", "reuseValues", "skipAwait", "skipCrds", "timeout",
	"verify", "version", "waitForJobs",
}

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
	mu     sync.Mutex
	engine string
}

func (p *provider) SetEngine(a string) { p.mu.Lock(); p.engine = a; p.mu.Unlock() }

func (p *provider) Handshake(_ context.Context, req *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	p.SetEngine(req.GetEngineAddress())
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true, AcceptOutputs: true}, nil
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"kubernetes-cert-manager","version":%q}`, Version)}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, AcceptResources: true, AcceptOutputs: true}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

type certManager struct {
	pulumi.ResourceState
	Status pulumi.AnyOutput `pulumi:"status"`
}

type release struct {
	pulumi.CustomResourceState
	Status pulumi.AnyOutput `pulumi:"status"`
}

func (p *provider) Construct(ctx context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	if req.GetType() != componentType {
		return nil, fmt.Errorf("unknown component %s", req.GetType())
	}
	p.mu.Lock()
	engine := p.engine
	p.mu.Unlock()
	conn, err := grpc.NewClient(engine, grpc.WithTransportCredentials(insecure.NewCredentials()), rpcutil.GrpcChannelOptions())
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return pprovider.Construct(ctx, req, conn, func(pctx *pulumi.Context, typ, name string, inputs pprovider.ConstructInputs, options pulumi.ResourceOption) (*pprovider.ConstructResult, error) {
		comp := &certManager{}
		if err := pctx.RegisterComponentResource(typ, name, comp, options); err != nil {
			return nil, err
		}
		args, err := inputs.Map()
		if err != nil {
			return nil, err
		}
		// The release settings are `helmOptions` (an Output: its fields are taken one by one), with
		// the real component's defaults for the chart and its repository.
		rel := pulumi.Map{}
		opts := pulumi.ToOutput(args["helmOptions"])
		field := func(k string) pulumi.Output {
			return opts.ApplyT(func(v any) any {
				if m, ok := v.(map[string]any); ok {
					return m[k]
				}
				return nil
			})
		}
		for _, k := range releaseFields {
			rel[k] = field(k)
		}
		rel["chart"] = opts.ApplyT(func(v any) any {
			if m, ok := v.(map[string]any); ok && m["chart"] != nil {
				return m["chart"]
			}
			return "cert-manager"
		})
		rel["repositoryOpts"] = opts.ApplyT(func(v any) any {
			m, _ := v.(map[string]any)
			if m != nil && m["repositoryOpts"] != nil {
				return m["repositoryOpts"]
			}
			if m == nil || m["chart"] == nil || m["chart"] == "cert-manager" {
				return map[string]any{"repo": "https://charts.jetstack.io"}
			}
			return nil
		})
		values := pulumi.Map{}
		for k, v := range args {
			if k != "helmOptions" {
				values[k] = v
			}
		}
		rel["values"] = values
		child := &release{}
		if err := pctx.RegisterResource("kubernetes:helm.sh/v3:Release", name, rel, child, pulumi.Parent(comp)); err != nil {
			return nil, err
		}
		comp.Status = child.Status
		if err := pctx.RegisterResourceOutputs(comp, pulumi.Map{"status": child.Status}); err != nil {
			return nil, err
		}
		return pprovider.NewConstructResult(comp)
	})
}

func main() { serve.Main(&provider{}) }
