package childproc

import (
	"fmt"
	"os/exec"
	"strings"
)

// PprofTop is go tool pprof's -top table of five rows for the profile args
// name (with any pprof flags before it): its header line and the rows.
func PprofTop(args ...string) (string, error) {
	args = append([]string{"tool", "pprof", "-top", "-nodecount=5"}, args...)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	top := string(out)
	if i := strings.Index(top, "      flat"); i >= 0 {
		top = top[i:]
	}
	return top, nil
}
