// The consumers' own parsers, for the differential tests (main.go). Versions are the ones the
// deployed programs build with: prometheus/common as Prometheus 3.14 and Alertmanager 0.34.1
// (test/upstream/*/go.mod), drone/envsubst as Loki 3, yaml.v3 as the Pulumi CLI v3.276.
module observability.local/test/consumers

go 1.25.0

require (
	github.com/drone/envsubst v1.0.3
	github.com/prometheus/common v0.70.1
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/prometheus/client_model v0.6.2 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
