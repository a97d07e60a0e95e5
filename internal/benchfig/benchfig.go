// Package benchfig measures what the benchmarks of `make bench` report
// beside their figures — peak and current RSS, CPU seconds of a process —
// and keeps each report under bench-results/ at the repository root.
package benchfig

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ResetPeakRSS resets this process's high-water mark (Linux clear_refs 5),
// so PeakRSS then measures one phase.
func ResetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// PeakRSS is this process's VmHWM in bytes.
func PeakRSS() int64 { return status("VmHWM:") }

// CurrentRSS is this process's VmRSS in bytes.
func CurrentRSS() int64 { return status("VmRSS:") }

func status(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// ProcessCPU is a process's user and system CPU seconds so far.
func ProcessCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// Ms is d in milliseconds.
func Ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Percentile is the p-th percentile (0-100) of sorted durations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1)*p/100 + 0.5)
	return sorted[min(i, len(sorted)-1)]
}

// WriteResult keeps a report as bench-results/<name> at the repository
// root (ignored by git), for the closing notes.
func WriteResult(name, text string) {
	dir, err := os.Getwd()
	if err != nil {
		return
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return
		}
		dir = parent
	}
	out := filepath.Join(dir, "bench-results")
	if err := os.MkdirAll(out, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(out, name), []byte(text), 0o644)
	}
}

// DiscardWriter is a ResponseWriter that counts the body and keeps none of
// it: an answer's cost without its memory.
type DiscardWriter struct {
	HeaderMap http.Header
	Status    int
	Bytes     int64
}

// NewDiscardWriter returns an empty DiscardWriter.
func NewDiscardWriter() *DiscardWriter { return &DiscardWriter{HeaderMap: http.Header{}} }

// Header implements http.ResponseWriter.
func (d *DiscardWriter) Header() http.Header { return d.HeaderMap }

// WriteHeader implements http.ResponseWriter.
func (d *DiscardWriter) WriteHeader(code int) {
	if d.Status == 0 {
		d.Status = code
	}
}

// Write implements http.ResponseWriter.
func (d *DiscardWriter) Write(p []byte) (int, error) {
	if d.Status == 0 {
		d.Status = http.StatusOK
	}
	d.Bytes += int64(len(p))
	return len(p), nil
}
