// Command testsummary makes `go test -json` readable and says what was skipped.
//
//	go test -json ./... | testsummary -save _output/unit.json
//	testsummary -report _output/unit.json _output/e2e.json
//
// With -save it reads the event stream on stdin, prints each package's result
// line as plain `go test` would, the whole output of every failed test, and a
// summary; it saves the stream and exits 1 when anything failed. With -report it
// prints the summary of saved streams: the tests skipped, each with its reason,
// the tests failed, and the closing line "total: N passed, N failed, N skipped".
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	save := flag.String("save", "", "stream mode: file to save the go test -json events in")
	report := flag.Bool("report", false, "report mode: summarise the saved streams named as arguments")
	flag.Parse()

	var s summary
	switch {
	case *report:
		for _, name := range flag.Args() {
			if err := readFile(&s, name); err != nil {
				fmt.Fprintln(os.Stderr, "testsummary:", err)
				os.Exit(2)
			}
		}
		s.print(os.Stdout, "total")
	case *save != "":
		if err := stream(&s, os.Stdin, os.Stdout, *save); err != nil {
			fmt.Fprintln(os.Stderr, "testsummary:", err)
			os.Exit(2)
		}
		s.print(os.Stdout, "summary")
	default:
		fmt.Fprintln(os.Stderr, "usage: testsummary -save FILE < events | testsummary -report FILE...")
		os.Exit(2)
	}
	if s.failedAny() {
		os.Exit(1)
	}
}

func readFile(s *summary, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return s.read(f, nil)
}

// stream summarises in, echoing package results to out and saving in to file.
func stream(s *summary, in io.Reader, out io.Writer, file string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	return s.read(io.TeeReader(in, f), out)
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// read takes the events of r; package-level output (the "ok", "FAIL" and
// build error lines) goes to echo as it comes, when echo is not nil. A line
// that is not an event (a build failure before any test ran) is echoed and
// counts as a failure.
func (s *summary) read(r io.Reader, echo io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Action == "" {
			s.nonEvent(sc.Text())
			if echo != nil {
				fmt.Fprintln(echo, sc.Text())
			}
			continue
		}
		if echo != nil && ev.Test == "" && ev.Action == "output" {
			fmt.Fprint(echo, ev.Output)
		}
		s.add(ev)
	}
	return sc.Err()
}
