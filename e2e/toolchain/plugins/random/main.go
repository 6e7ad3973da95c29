// Command pulumi-resource-random: a stand-in for the random provider with the three resources the
// program uses (RandomPassword, RandomBytes, RandomUuid), for the e2e run only.
//
// The module of the real provider (github.com/pulumi/pulumi-random/provider/v4) is not served by
// the module proxy this project reaches (e2e/README.md). The stand-in keeps the real provider's
// contract where the program depends on it: the same type tokens, inputs and output names, values
// generated with crypto/rand, and any change of an input (keepers included) replaces the resource.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"research-platform.local/e2e/plugins/internal/serve"
)

// Version is set by the build (-ldflags -X main.Version=...), to the version the npm package declares.
var Version = "0.0.0"

const (
	passwordType = "random:index/randomPassword:RandomPassword"
	bytesType    = "random:index/randomBytes:RandomBytes"
	uuidType     = "random:index/randomUuid:RandomUuid"
)

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
}

func (p *provider) SetEngine(string) {}

var opts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func (p *provider) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true, AcceptOutputs: true}, nil
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"random","version":%q}`, Version)}, nil
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

// defaults are the real provider's input defaults.
var defaults = map[string]map[string]resource.PropertyValue{
	passwordType: {
		"special": resource.NewProperty(true), "upper": resource.NewProperty(true),
		"lower": resource.NewProperty(true), "numeric": resource.NewProperty(true),
		"number": resource.NewProperty(true), "minLower": resource.NewProperty(0.0),
		"minUpper": resource.NewProperty(0.0), "minNumeric": resource.NewProperty(0.0),
		"minSpecial": resource.NewProperty(0.0),
	},
	bytesType: {},
	uuidType:  {},
}

func typeOf(urn string) (string, error) {
	t := string(resource.URN(urn).Type())
	if _, ok := defaults[t]; !ok {
		return "", fmt.Errorf("the e2e random stand-in has no resource %s", t)
	}
	return t, nil
}

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	t, err := typeOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), opts)
	if err != nil {
		return nil, err
	}
	for k, v := range defaults[t] {
		if _, ok := news[resource.PropertyKey(k)]; !ok {
			news[resource.PropertyKey(k)] = v
		}
	}
	var failures []*pulumirpc.CheckFailure
	if t != uuidType {
		l, ok := news["length"]
		if !ok || (l.IsNumber() && l.NumberValue() < 1) {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "length", Reason: "length must be at least 1"})
		}
	}
	inputs, err := plugin.MarshalProperties(news, opts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

// inputKeys are the properties that are inputs (every other one is computed).
func isOutput(t string, k resource.PropertyKey) bool {
	switch t {
	case passwordType:
		return k == "result" || k == "bcryptHash"
	case bytesType:
		return k == "base64" || k == "hex"
	default:
		return k == "result"
	}
}

func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	t, err := typeOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := plugin.UnmarshalProperties(req.GetOlds(), opts)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), opts)
	if err != nil {
		return nil, err
	}
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		if !isOutput(t, k) {
			keys[k] = true
		}
	}
	for k := range news {
		keys[k] = true
	}
	var changed []string
	for k := range keys {
		o, n := olds[k], news[k]
		if n.ContainsUnknowns() || !o.DeepEquals(n) {
			changed = append(changed, string(k))
		}
	}
	sort.Strings(changed)
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed, Replaces: changed, DeleteBeforeReplace: false}, nil
}

func randomString(alphabet string, n int) (string, error) {
	var b strings.Builder
	for i := 0; i < n; i++ {
		idx, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b.WriteByte(alphabet[idx.Int64()])
	}
	return b.String(), nil
}

func flag(m resource.PropertyMap, k string) bool {
	v, ok := m[resource.PropertyKey(k)]
	return !ok || !v.IsBool() || v.BoolValue()
}

func number(m resource.PropertyMap, k string) int {
	if v, ok := m[resource.PropertyKey(k)]; ok && v.IsNumber() {
		return int(v.NumberValue())
	}
	return 0
}

// password follows the real provider's rules: at least min* characters of each class, the rest
// from every enabled class, shuffled.
func password(in resource.PropertyMap) (string, error) {
	const lower, upper, digits = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
	special := "!@#$%&*()-_=+[]{}<>:?"
	if v, ok := in["overrideSpecial"]; ok && v.IsString() {
		special = v.StringValue()
	}
	classes := []struct {
		on    bool
		chars string
		min   int
	}{
		{flag(in, "lower"), lower, number(in, "minLower")},
		{flag(in, "upper"), upper, number(in, "minUpper")},
		{flag(in, "numeric") && flag(in, "number"), digits, number(in, "minNumeric")},
		{flag(in, "special"), special, number(in, "minSpecial")},
	}
	length := number(in, "length")
	var out []byte
	all := ""
	for _, c := range classes {
		if !c.on || c.chars == "" {
			continue
		}
		all += c.chars
		s, err := randomString(c.chars, c.min)
		if err != nil {
			return "", err
		}
		out = append(out, s...)
	}
	if all == "" {
		return "", fmt.Errorf("every character class is off")
	}
	rest, err := randomString(all, length-len(out))
	if err != nil {
		return "", err
	}
	out = append(out, rest...)
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func uuid() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

func (p *provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	t, err := typeOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	in, err := plugin.UnmarshalProperties(req.GetProperties(), opts)
	if err != nil {
		return nil, err
	}
	out := in.Copy()
	id := "none"
	switch t {
	case passwordType:
		pw, err := password(in)
		if err != nil {
			return nil, err
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
		if err != nil {
			return nil, err
		}
		out["result"] = resource.MakeSecret(resource.NewProperty(pw))
		out["bcryptHash"] = resource.MakeSecret(resource.NewProperty(string(hash)))
	case bytesType:
		b := make([]byte, number(in, "length"))
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		out["base64"] = resource.MakeSecret(resource.NewProperty(base64.StdEncoding.EncodeToString(b)))
		out["hex"] = resource.MakeSecret(resource.NewProperty(hex.EncodeToString(b)))
	case uuidType:
		u, err := uuid()
		if err != nil {
			return nil, err
		}
		out["result"] = resource.NewProperty(u)
		id = u
	}
	props, err := plugin.MarshalProperties(out, opts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (p *provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	// Every input change replaces (Diff), so an update only carries the same values forward.
	return &pulumirpc.UpdateResponse{Properties: req.GetOlds()}, nil
}

func (p *provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func main() { serve.Main(&provider{}) }
