package embedded_test

import (
	"testing"

	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/contract"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// TestContract runs the backend contract on the embedded engine.
func TestContract(t *testing.T) {
	contract.Run(t, func(t *testing.T) warehouse.Warehouse { return whtest.Database(t) })
}
