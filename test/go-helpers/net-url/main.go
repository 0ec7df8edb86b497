// Reads one JSON string per line and prints how Go's net/url.Parse reads it, one JSON object per line:
// the differential check of the URLs our settings accept (test/configs/go-url.test.ts).
package main

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var raw string
		if err := json.Unmarshal(in.Bytes(), &raw); err != nil {
			panic(err)
		}
		u, err := url.Parse(raw)
		if err != nil {
			out.Encode(map[string]string{"error": err.Error()})
			continue
		}
		out.Encode(map[string]string{"scheme": u.Scheme, "hostname": u.Hostname(), "port": u.Port(), "path": u.EscapedPath(), "query": u.RawQuery, "user": u.User.String()})
	}
}
