package auditlogger

// Tests of the newer parts of the API, in the package itself (no import of
// the module path): I/O errors that unwrap to the OS error, MaxDocumentBytes,
// the library's JSON, TOO_DEEP, and queued subscriptions.

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testLogger makes a logger closed when the test ends.
func testLogger(t *testing.T, capacity int) *Logger {
	t.Helper()
	l, err := New(capacity)
	if err != nil {
		t.Fatalf("New(%d): %v", capacity, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func logActor(t *testing.T, l *Logger, actor string) uint64 {
	t.Helper()
	seq, err := l.Log(Entry{Actor: actor, Action: "test", Resource: "r", Outcome: "success", Severity: SeverityInfo})
	if err != nil {
		t.Fatalf("Log(%q): %v", actor, err)
	}
	return seq
}

func TestIOErrorsUnwrapToTheOSError(t *testing.T) {
	l := testLogger(t, 10)
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such.json")
	_, err := l.ImportJSONFile(missing)
	if !errors.Is(err, ErrIO) || !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("ImportJSONFile(missing) = %v; want ErrIO and fs.ErrNotExist", err)
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) || errno != syscall.ENOENT {
		t.Errorf("errors.As errno = %v", errno)
	}
	var e *Error
	if !errors.As(err, &e) || e.Path != missing || e.Errno != syscall.ENOENT || !strings.Contains(e.Message, missing) {
		t.Errorf("error = %+v", e)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = l.ExportJSON(filepath.Join(plain, "x.json"))
	if !errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ExportJSON under a file = %v; want ENOTDIR", err)
	}
	// An error that is not an OS error unwraps to nothing.
	_, err = l.ImportJSON("{}")
	if errors.As(err, &errno) || errors.Unwrap(err) != nil {
		t.Errorf("ImportJSON({}) = %v unwraps to %v", err, errors.Unwrap(err))
	}
}

func TestMaxDocumentBytes(t *testing.T) {
	doc := `[{"actor":"a","action":"b","resource":"c","outcome":"d","severity":"INFO","details":{},"timestamp":"2026-01-01T00:00:00Z"}]`
	small, err := NewWithConfig(Config{MaxDocumentBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	if _, err := small.ImportJSON(doc); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ImportJSON over the limit = %v", err)
	}
	exact, err := NewWithConfig(Config{MaxDocumentBytes: len(doc)})
	if err != nil {
		t.Fatal(err)
	}
	defer exact.Close()
	if n, err := exact.ImportJSON(doc); n != 1 || err != nil {
		t.Errorf("ImportJSON at the limit = %d, %v", n, err)
	}
}

func TestEventJSONAndQueryJSONComeFromTheLibrary(t *testing.T) {
	l := testLogger(t, 10)
	logActor(t, l, "alice")
	if _, err := l.Log(Entry{Actor: "bob", Severity: SeverityError, Details: map[string]int{"n": 1}}); err != nil {
		t.Fatal(err)
	}
	events, _ := l.Query(Filter{})
	marshalled, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	export, _ := l.ExportJSON("")
	var a, b any
	_ = json.Unmarshal(marshalled, &a)
	_ = json.Unmarshal([]byte(export), &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("json.Marshal(events) = %s\nexport = %s", marshalled, export)
	}
	text, err := l.QueryJSON(Filter{MinSeverity: SeverityError})
	if err != nil || !strings.HasPrefix(text, "[\n  {") || !strings.Contains(text, `"actor": "bob"`) || strings.Contains(text, "alice") {
		t.Errorf("QueryJSON = %q, %v", text, err)
	}
	// Built by hand: encoded field by field.
	if b, err := json.Marshal(Event{Actor: "x"}); err != nil || !strings.Contains(string(b), `"Actor":"x"`) {
		t.Errorf("hand-built = %s, %v", b, err)
	}
}

func TestLoggingNestedTooDeep(t *testing.T) {
	l := testLogger(t, 100)
	var tooDeep []error
	_, err := l.Subscribe(func(e Event) error {
		n := len(e.Actor)
		_, err := l.Log(Entry{Actor: strings.Repeat("x", n+1), Severity: SeverityInfo})
		if err != nil {
			tooDeep = append(tooDeep, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	logActor(t, l, "x")
	if len(tooDeep) != 1 || !errors.Is(tooDeep[0], ErrTooDeep) || l.Count() != 16 {
		t.Errorf("errors %v, count %d", tooDeep, l.Count())
	}
}

// within fails the test if fn has not returned after d (a deadlock fails fast).
func withinTime(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not finish within %v (deadlock?)", d)
	}
}

func TestQueuedOrderUnderFourGoroutines(t *testing.T) {
	l := testLogger(t, 100_000)
	var mu sync.Mutex
	var seqs []uint64
	sub, err := l.SubscribeQueued(Queue{Capacity: 100_000}, func(e Event) error {
		mu.Lock()
		seqs = append(seqs, e.Seq)
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	withinTime(t, 60*time.Second, func() {
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 5000; i++ {
					if _, err := l.Log(Entry{Actor: string(rune('a' + g)), Severity: SeverityInfo}); err != nil {
						t.Error(err)
						return
					}
				}
			}(g)
		}
		wg.Wait()
		if err := l.Flush(30 * time.Second); err != nil {
			t.Error(err)
		}
	})
	mu.Lock()
	defer mu.Unlock()
	if len(seqs) != 20_000 {
		t.Fatalf("delivered %d of 20000", len(seqs))
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("delivery %d has seq %d: out of order or missing", i, s)
		}
	}
	if st, err := sub.Stats(); err != nil || st != (Stats{Delivered: 20_000}) {
		t.Errorf("Stats = %+v, %v", st, err)
	}
}

// heldQueue subscribes a queue of 4 whose function is held on its first event
// while 100 more are logged, then released and flushed.
func heldQueue(t *testing.T, q Queue) ([]uint64, Stats) {
	t.Helper()
	l := testLogger(t, 1000)
	entered, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var got []uint64
	sub, err := l.SubscribeQueued(q, func(e Event) error {
		if e.Seq == 1 {
			close(entered)
			<-release
		}
		mu.Lock()
		got = append(got, e.Seq)
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	withinTime(t, 60*time.Second, func() {
		logActor(t, l, "first")
		<-entered
		for i := 0; i < 100; i++ {
			logActor(t, l, "more")
		}
		close(release)
		if err := l.Flush(30 * time.Second); err != nil {
			t.Error(err)
		}
	})
	st, err := sub.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if l.Count() != 101 {
		t.Errorf("the log holds %d events; every event is kept whatever the queue drops", l.Count())
	}
	mu.Lock()
	defer mu.Unlock()
	return append([]uint64(nil), got...), st
}

func TestQueuedDropOldest(t *testing.T) {
	got, st := heldQueue(t, Queue{Capacity: 4})
	if !reflect.DeepEqual(got, []uint64{1, 98, 99, 100, 101}) || st != (Stats{Delivered: 5, Dropped: 96}) {
		t.Errorf("got %v, %+v", got, st)
	}
}

func TestQueuedDropNewest(t *testing.T) {
	got, st := heldQueue(t, Queue{Capacity: 4, Overflow: DropNewest})
	if !reflect.DeepEqual(got, []uint64{1, 2, 3, 4, 5}) || st != (Stats{Delivered: 5, Dropped: 96}) {
		t.Errorf("got %v, %+v", got, st)
	}
}

func TestQueuedBlockWaitsThenDrops(t *testing.T) {
	got, st := heldQueue(t, Queue{Capacity: 4, Overflow: Block, BlockTimeout: time.Millisecond})
	if !reflect.DeepEqual(got[:5], []uint64{1, 2, 3, 4, 5}) || st.Delivered+st.Dropped != 101 || st.Delivered != uint64(len(got)) {
		t.Errorf("got %v, %+v", got, st)
	}
}

func TestQueuedBlockLosesNothingWhenTheConsumerKeepsUp(t *testing.T) {
	l := testLogger(t, 1000)
	var n atomicCount
	sub, err := l.SubscribeQueued(Queue{Capacity: 2, Overflow: Block, BlockTimeout: 30 * time.Second}, func(Event) error {
		n.add()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	withinTime(t, 60*time.Second, func() {
		for i := 0; i < 500; i++ {
			logActor(t, l, "a")
		}
		if err := l.Flush(30 * time.Second); err != nil {
			t.Error(err)
		}
	})
	if st, _ := sub.Stats(); st != (Stats{Delivered: 500}) || n.get() != 500 {
		t.Errorf("Stats = %+v, calls %d", st, n.get())
	}
}

type atomicCount struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCount) add() { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *atomicCount) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func TestQueuedUnsubscribeWithStatsCountsTheQueuedAsDropped(t *testing.T) {
	l := testLogger(t, 1000)
	entered, release := make(chan struct{}), make(chan struct{})
	sub, err := l.SubscribeQueued(Queue{Capacity: 100}, func(e Event) error {
		if e.Seq == 1 {
			close(entered)
			<-release
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var final Stats
	withinTime(t, 30*time.Second, func() {
		logActor(t, l, "first")
		<-entered
		for i := 0; i < 9; i++ {
			logActor(t, l, "queued")
		}
		final, err = sub.UnsubscribeWithStats()
		close(release)
	})
	// The 9 queued are dropped; event 1 is counted once its call returns.
	if err != nil || final.Dropped != 9 || final.Failed != 0 || final.Delivered > 1 {
		t.Errorf("final = %+v, %v", final, err)
	}
	if _, err := sub.UnsubscribeWithStats(); !errors.Is(err, ErrNotFound) {
		t.Errorf("second UnsubscribeWithStats = %v", err)
	}
}

func TestFlushTimesOutAndIsRefusedInsideAQueuedSubscriber(t *testing.T) {
	l := testLogger(t, 100)
	release := make(chan struct{})
	inner := make(chan error, 1)
	_, err := l.SubscribeQueued(Queue{Capacity: 10}, func(e Event) error {
		if e.Actor == "inner" {
			inner <- l.Flush(time.Second)
			return nil
		}
		<-release
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	withinTime(t, 30*time.Second, func() {
		logActor(t, l, "held")
		logActor(t, l, "held")
		if err := l.Flush(50 * time.Millisecond); !errors.Is(err, ErrTimeout) {
			t.Errorf("Flush with a held subscriber = %v; want ErrTimeout", err)
		}
		close(release)
		logActor(t, l, "inner")
		if err := <-inner; !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Flush inside a queued subscriber = %v", err)
		}
		if err := l.Flush(30 * time.Second); err != nil {
			t.Error(err)
		}
	})
	if err := l.Flush(-time.Second); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Flush(-1s) = %v", err)
	}
	if _, err := l.SubscribeQueued(Queue{Capacity: 0}, func(Event) error { return nil }); !errors.Is(err, ErrInvalidCapacity) {
		t.Errorf("capacity 0 = %v", err)
	}
	if _, err := l.SubscribeQueued(Queue{Capacity: 1, Overflow: 9}, func(Event) error { return nil }); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("overflow 9 = %v", err)
	}
}

func TestQueuedFailuresAndHandleRelease(t *testing.T) {
	before := liveHandles.Load()
	l, err := New(100)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := l.SubscribeQueued(Queue{Capacity: 16}, func(e Event) error {
		if e.Seq%2 == 1 {
			return errors.New("SIEM down")
		}
		if e.Seq == 4 {
			panic("boom")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		logActor(t, l, "a")
	}
	if err := l.Flush(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	if st, _ := sub.Stats(); st != (Stats{Delivered: 6, Failed: 4}) {
		t.Errorf("Stats = %+v", st)
	}
	l.Close()
	// free_ctx runs on the delivery thread; an earlier test's handles may be
	// released meanwhile too, so only a count above the start is a leak.
	deadline := time.Now().Add(30 * time.Second)
	for liveHandles.Load() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if liveHandles.Load() > before {
		t.Errorf("%d handles not released", liveHandles.Load()-before)
	}
}
