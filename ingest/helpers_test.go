package ingest

import (
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/flexhub/flexhub/broker"
)

func testutilCounter(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}

// TestMain lets a benchmark run the embedded broker in a child process (the
// test binary re-executed with FLEXHUB_BENCH_BROKER set), so the broker's
// log of the pre-produced events does not count in the measured process.
func TestMain(m *testing.M) {
	if os.Getenv("FLEXHUB_BENCH_BROKER") != "" {
		serveBenchBroker()
		return
	}
	os.Exit(m.Run())
}

// serveBenchBroker prints the broker's address and serves until its
// standard input closes (the parent ended).
func serveBenchBroker() {
	b, err := broker.StartEmbedded(broker.EmbeddedConfig{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(b.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	b.Close()
}
