// Package embedded runs ClickHouse in-process: chDB's libchdb.so, loaded at
// run time with purego (no cgo). One connection per process, one statement at
// a time; the Engine serialises every call.
package embedded

import (
	"fmt"
	"os"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// libchdb holds the C API entry points this package uses. Pointers are
// uintptr: they point into memory the library owns.
type libchdb struct {
	setSignalHandlersEnabled func(enabled int32)
	connect                  func(argc int32, argv unsafe.Pointer) unsafe.Pointer
	closeConn                func(conn unsafe.Pointer)
	queryWithParamsN         func(conn unsafe.Pointer, query *byte, queryLen uintptr, format *byte, formatLen uintptr,
		names unsafe.Pointer, nameLens unsafe.Pointer, values unsafe.Pointer, valueLens unsafe.Pointer, count uintptr) unsafe.Pointer
	streamQueryWithParamsN func(conn unsafe.Pointer, query *byte, queryLen uintptr, format *byte, formatLen uintptr,
		names unsafe.Pointer, nameLens unsafe.Pointer, values unsafe.Pointer, valueLens unsafe.Pointer, count uintptr) unsafe.Pointer
	streamFetchResult   func(conn unsafe.Pointer, result unsafe.Pointer) unsafe.Pointer
	streamCancelQuery   func(conn unsafe.Pointer, result unsafe.Pointer)
	destroyQueryResult  func(result unsafe.Pointer)
	resultBuffer        func(result unsafe.Pointer) unsafe.Pointer
	resultLength        func(result unsafe.Pointer) uintptr
	resultError         func(result unsafe.Pointer) unsafe.Pointer
	resultRowsRead      func(result unsafe.Pointer) uint64
	resultRowsWritten   func(result unsafe.Pointer) uint64
	streamInsertN       func(conn unsafe.Pointer, query *byte, queryLen uintptr, format *byte, formatLen uintptr) unsafe.Pointer
	streamAppend        func(stream unsafe.Pointer, data unsafe.Pointer, n uintptr) int32
	streamDone          func(stream unsafe.Pointer) unsafe.Pointer
	streamInsertError   func(stream unsafe.Pointer) unsafe.Pointer
	destroyInsertStream func(stream unsafe.Pointer)
	version             func() unsafe.Pointer
}

var (
	loadOnce sync.Once
	lib      *libchdb
	loadErr  error
)

// load opens libchdb.so once per process.
func load(path string) (*libchdb, error) {
	loadOnce.Do(func() {
		if _, err := os.Stat(path); err != nil {
			loadErr = fmt.Errorf("libchdb not found at %s (run scripts/fetch-libchdb.sh or set FLEXHUB_LIBCHDB): %w", path, err)
			return
		}
		h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			loadErr = fmt.Errorf("dlopen %s: %w", path, err)
			return
		}
		l := &libchdb{}
		reg := func(fptr any, name string) {
			if loadErr != nil {
				return
			}
			defer func() {
				if r := recover(); r != nil {
					loadErr = fmt.Errorf("libchdb %s: symbol %s: %v", path, name, r)
				}
			}()
			purego.RegisterLibFunc(fptr, h, name)
		}
		reg(&l.setSignalHandlersEnabled, "chdb_set_signal_handlers_enabled")
		reg(&l.connect, "chdb_connect")
		reg(&l.closeConn, "chdb_close_conn")
		reg(&l.queryWithParamsN, "chdb_query_with_params_n")
		reg(&l.streamQueryWithParamsN, "chdb_stream_query_with_params_n")
		reg(&l.streamFetchResult, "chdb_stream_fetch_result")
		reg(&l.streamCancelQuery, "chdb_stream_cancel_query")
		reg(&l.destroyQueryResult, "chdb_destroy_query_result")
		reg(&l.resultBuffer, "chdb_result_buffer")
		reg(&l.resultLength, "chdb_result_length")
		reg(&l.resultError, "chdb_result_error")
		reg(&l.resultRowsRead, "chdb_result_rows_read")
		reg(&l.resultRowsWritten, "chdb_result_rows_written")
		reg(&l.streamInsertN, "chdb_stream_insert_n")
		reg(&l.streamAppend, "chdb_stream_append")
		reg(&l.streamDone, "chdb_stream_done")
		reg(&l.streamInsertError, "chdb_stream_insert_error")
		reg(&l.destroyInsertStream, "chdb_destroy_insert_stream")
		reg(&l.version, "chdb_version")
		if loadErr == nil {
			lib = l
		}
	})
	return lib, loadErr
}

// cstring copies a NUL-terminated C string into Go memory.
func cstring(p unsafe.Pointer) string {
	if p == nil {
		return ""
	}
	n := 0
	for *(*byte)(unsafe.Add(p, n)) != 0 {
		n++
	}
	return string(unsafe.Slice((*byte)(p), n))
}

// cbytes views length bytes at p without copying; valid until the owning
// result is destroyed.
func cbytes(p unsafe.Pointer, length uintptr) []byte {
	if p == nil || length == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), int(length))
}

// strPtr returns a pointer to s's bytes (never nil, so empty strings are
// passed as a valid zero-length buffer).
func strPtr(b []byte) *byte {
	if len(b) == 0 {
		return &zero
	}
	return &b[0]
}

var zero byte
