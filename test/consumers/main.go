// Command consumers answers, for each value, what the program that reads it makes of it: the parsers
// Alertmanager, Prometheus, Loki and Grafana call on our generated files, called the same way. The
// tests (test/consumers/*.test.ts) send one JSON request per line on stdin and read one JSON answer
// per line on stdout, so a whole batch of generated inputs costs one process.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/drone/envsubst"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

type request struct {
	Op    string            `json:"op"`
	Value string            `json:"value"`
	Env   map[string]string `json:"env,omitempty"`
	// Probes are strings a regex is matched against.
	Probes []string `json:"probes,omitempty"`
}

type answer map[string]any

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	encoder := json.NewEncoder(out)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintf(os.Stderr, "consumers: bad request %q: %v\n", in.Text(), err)
			os.Exit(2)
		}
		if err := encoder.Encode(handle(req)); err != nil {
			fmt.Fprintf(os.Stderr, "consumers: %v\n", err)
			os.Exit(2)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "consumers: %v\n", err)
		os.Exit(2)
	}
}

func failed(err error) answer { return answer{"ok": false, "error": err.Error()} }

func handle(req request) answer {
	v := req.Value
	switch req.Op {
	case "mailAddress":
		// Alertmanager's email notifier: mail.ParseAddress(smtp_from).
		a, err := mail.ParseAddress(v)
		if err != nil {
			return failed(err)
		}
		return answer{"ok": true, "name": a.Name, "address": a.Address}
	case "mailAddressList":
		// Alertmanager's email notifier: mail.ParseAddressList(to).
		list, err := mail.ParseAddressList(v)
		if err != nil {
			return failed(err)
		}
		addresses := make([]string, len(list))
		for i, a := range list {
			addresses[i] = a.Address
		}
		return answer{"ok": true, "addresses": addresses}
	case "template":
		// Alertmanager executes to, from and headers as Go text templates at send time.
		t, err := template.New("").Option("missingkey=zero").Parse(v)
		if err != nil {
			return failed(err)
		}
		var b strings.Builder
		if err := t.Execute(&b, map[string]any{}); err != nil {
			return failed(err)
		}
		return answer{"ok": true, "output": b.String()}
	case "url":
		u, err := url.Parse(v)
		if err != nil {
			return failed(err)
		}
		return answer{
			"ok": true, "scheme": u.Scheme, "opaque": u.Opaque, "user": u.User != nil, "host": u.Host,
			"hostname": u.Hostname(), "port": u.Port(), "path": u.Path, "rawQuery": u.RawQuery,
			"forceQuery": u.ForceQuery, "fragment": u.Fragment, "string": u.String(),
			"escapedPath": u.EscapedPath(), "hostIP": net.ParseIP(u.Hostname()) != nil, "hostDomain": isDomainName(u.Hostname()),
		}
	case "hostPort":
		// What a Go client dials (net.Dial): SplitHostPort, then an IP or a name the resolver takes.
		host, port, err := net.SplitHostPort(v)
		if err != nil {
			return failed(err)
		}
		ip := net.ParseIP(host)
		return answer{
			"ok": true, "host": host, "port": port, "ip": ip != nil, "ipv6": ip != nil && strings.Contains(host, ":"),
			"domain": isDomainName(host),
		}
	case "relabelRegex":
		// Prometheus' relabel.NewRegexp (and PromQL's =~): RE2, anchored, dot matching newlines.
		re, err := regexp.Compile("^(?s:" + v + ")$")
		if err != nil {
			return failed(err)
		}
		matches := make([]bool, len(req.Probes))
		for i, p := range req.Probes {
			matches[i] = re.MatchString(p)
		}
		return answer{"ok": true, "matches": matches}
	case "duration":
		d, err := model.ParseDuration(v)
		if err != nil {
			return failed(err)
		}
		return answer{"ok": true, "ns": strconv.FormatInt(int64(d), 10)}
	case "labelName":
		// Prometheus 3 validates label names as UTF-8 by default (model.NameValidationScheme).
		return answer{"ok": model.LabelName(v).IsValid(), "legacy": model.LabelName(v).IsValidLegacy()}
	case "labelValue":
		return answer{"ok": model.LabelValue(v).IsValid()}
	case "metricsPath":
		// Prometheus builds each target's URL as url.URL{Path: metrics_path}: what goes on the wire.
		u := url.URL{Scheme: "http", Host: "target:80", Path: v}
		return answer{"ok": utf8.ValidString(v), "escapedPath": u.EscapedPath(), "requestURI": u.RequestURI()}
	case "lokiExpandEnv":
		// Loki's -config.expand-env: drone/envsubst over the whole file, unset variables empty.
		s, err := envsubst.Eval(v, func(name string) string { return req.Env[name] })
		if err != nil {
			return failed(err)
		}
		return answer{"ok": true, "value": s}
	case "pulumiStackYaml":
		// The Pulumi CLI (sdk/go/common/encoding) decodes a stack file with yaml.v3: anchors, aliases
		// and merge keys resolved, a key written twice in one mapping refused.
		var doc any
		if err := yaml.Unmarshal([]byte(v), &doc); err != nil {
			return failed(err)
		}
		text, err := json.Marshal(asPulumiStores(doc))
		if err != nil {
			return failed(err)
		}
		return answer{"ok": true, "json": string(text)}
	case "pulumiPathValue":
		// `pulumi config set --path` (sdk/go/common/resource/config coerce): booleans, then 64-bit
		// integers as strconv reads them, except text of two or more characters starting with '0'.
		switch {
		case v == "true" || v == "false":
			return answer{"ok": true, "json": v}
		case len(v) > 1 && v[0] == '0':
			return answer{"ok": true, "json": strconv.Quote(v)}
		}
		if i, err := strconv.ParseInt(v, 10, 64); err == nil {
			return answer{"ok": true, "json": strconv.FormatInt(i, 10)}
		}
		if u, err := strconv.ParseUint(v, 10, 64); err == nil {
			return answer{"ok": true, "json": strconv.FormatUint(u, 10)}
		}
		text, _ := json.Marshal(v)
		return answer{"ok": true, "json": string(text)}
	case "prometheusExternalLabel":
		// Prometheus 3 expands external label values (config.go): os.Expand, "$$" a literal '$'.
		return answer{"ok": true, "value": os.Expand(v, func(name string) string {
			if name == "$" {
				return "$"
			}
			return req.Env[name]
		})}
	case "grafanaProvisioning":
		s, err := grafanaInterpolate(v, req.Env)
		if err != nil {
			return failed(err)
		}
		return answer{"ok": true, "value": s}
	}
	return failed(fmt.Errorf("unknown op %q", req.Op))
}

// asPulumiStores turns a decoded YAML value into what Pulumi keeps as config (config.unmarshalObject):
// a timestamp as time.Time's String, non-string keys as their %v text.
func asPulumiStores(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.String()
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = asPulumiStores(e)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprintf("%v", k)] = asPulumiStores(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = asPulumiStores(e)
		}
		return a
	}
	return v
}

// isDomainName is the check Go's resolver makes before it looks a name up (net/dnsclient.go): labels
// of letters, digits, '_' and '-', at most 63 bytes, 253 in all plus an optional final dot, and not
// all digits (that would be an IPv4 address ParseIP refused).
func isDomainName(s string) bool {
	if s == "." {
		return true
	}
	l := len(s)
	if l == 0 || l > 254 || l == 254 && s[l-1] != '.' {
		return false
	}
	last := byte('.')
	nonNumeric := false
	partlen := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		default:
			return false
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_':
			nonNumeric = true
			partlen++
		case '0' <= c && c <= '9':
			partlen++
		case c == '-':
			if last == '.' {
				return false
			}
			partlen++
			nonNumeric = true
		case c == '.':
			if last == '.' || last == '-' {
				return false
			}
			if partlen > 63 || partlen == 0 {
				return false
			}
			partlen = 0
		}
		last = c
	}
	if last == '-' || partlen > 63 {
		return false
	}
	return nonNumeric
}

// Grafana's provisioning interpolation (pkg/services/provisioning/values): the value is split at
// "$$" (a literal '$'), each part goes through the expanders $__env{NAME}, ${NAME} and
// $__file{path} (pattern \$(|__\w+){([^}]+)}), then os.ExpandEnv ($NAME and ${NAME}); the parts are
// joined with "$". A file expands to a marker naming it, so a test sees that it was read.
var grafanaExpander = regexp.MustCompile(`\$(|__\w+){([^}]+)}`)

func grafanaInterpolate(value string, env map[string]string) (string, error) {
	parts := strings.Split(value, "$$")
	for i, part := range parts {
		for _, name := range []string{"env", "file"} {
			for _, m := range grafanaExpander.FindAllStringSubmatch(part, -1) {
				var replacement string
				switch {
				case name == "env" && (m[1] == "" || m[1] == "__env"):
					replacement = env[m[2]]
				case name == "file" && m[1] == "__file":
					replacement = "<contents of " + m[2] + ">"
				default:
					continue
				}
				part = strings.Replace(part, m[0], replacement, 1)
			}
		}
		parts[i] = os.Expand(part, func(name string) string { return env[name] })
	}
	return strings.Join(parts, "$"), nil
}
