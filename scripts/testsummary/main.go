// Command testsummary reads `go test -json` on standard input and prints
// what a person needs: each package's result line, the whole output of
// every failed test, and one closing line that counts the tests, such as
// "tests: 812 passed, 0 failed, 3 skipped". It exits 1 when a test or a
// package failed, so a script can rely on its status.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

func main() {
	counts := map[string]int{}
	output := map[string][]string{} // package/test → its lines so far
	failed := false
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Println(sc.Text()) // build errors and the like are plain text
			continue
		}
		key := e.Package + "/" + e.Test
		switch e.Action {
		case "build-output":
			fmt.Print(e.Output)
		case "build-fail":
			failed = true
		case "output":
			output[key] = append(output[key], e.Output)
			if e.Test == "" && isResultLine(e.Output) {
				fmt.Print(e.Output)
			}
		case "pass", "skip":
			if e.Test != "" {
				counts[e.Action]++
			}
			delete(output, key)
		case "fail":
			failed = true
			if e.Test != "" {
				counts["fail"]++
			}
			for _, line := range output[key] {
				if e.Test != "" || !isResultLine(line) { // printed already
					fmt.Print(line)
				}
			}
			delete(output, key)
		}
	}
	fmt.Printf("tests: %d passed, %d failed, %d skipped\n",
		counts["pass"], counts["fail"], counts["skip"])
	if failed || sc.Err() != nil {
		os.Exit(1)
	}
}

// isResultLine reports a package's closing line: "ok", "FAIL" or
// "?   pkg [no test files]".
func isResultLine(s string) bool {
	return strings.HasPrefix(s, "ok ") || strings.HasPrefix(s, "FAIL") ||
		strings.HasPrefix(s, "?  ")
}
