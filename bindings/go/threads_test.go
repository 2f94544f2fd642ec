package auditlogger_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	al "github.com/audit-logger/audit-logger/bindings/go"
	"github.com/audit-logger/audit-logger/bindings/go/internal/producer"
)

func TestConcurrentGoroutines(t *testing.T) {
	const goroutines, perGoroutine = 8, 2000
	l := newLogger(t, goroutines*perGoroutine)
	var mu sync.Mutex
	perActor := map[string]int{}
	_, err := l.Subscribe(func(e al.Event) error {
		mu.Lock()
		perActor[e.Actor]++
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seqs := make([][]uint64, goroutines)
	within(t, 60*time.Second, func() {
		var wg sync.WaitGroup
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < perGoroutine; i++ {
					seq, err := l.Log(al.Entry{Actor: fmt.Sprint("g", g), Action: "concurrent", Severity: al.SeverityInfo,
						Details: map[string]int{"i": i}})
					if err != nil {
						t.Error(err)
						return
					}
					seqs[g] = append(seqs[g], seq)
				}
			}(g)
		}
		// A reader queries while the writers log.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if _, err := l.Query(al.Filter{Actor: al.Ptr("g0"), Limit: al.Ptr(10)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		wg.Wait()
	})
	seen := map[uint64]bool{}
	for g, list := range seqs {
		for i, seq := range list {
			if seen[seq] || (i > 0 && seq <= list[i-1]) {
				t.Fatalf("goroutine %d: seq %d repeated or out of order", g, seq)
			}
			seen[seq] = true
		}
	}
	if len(seen) != goroutines*perGoroutine || l.Appended() != goroutines*perGoroutine {
		t.Errorf("%d distinct seqs, appended %d; want %d", len(seen), l.Appended(), goroutines*perGoroutine)
	}
	for g := 0; g < goroutines; g++ {
		if perActor[fmt.Sprint("g", g)] != perGoroutine {
			t.Errorf("subscriber saw %d events of g%d, want %d", perActor[fmt.Sprint("g", g)], g, perGoroutine)
		}
	}
}

// TestForeignThreads logs from pthreads the Go runtime did not create; the Go
// subscriber runs on those threads.
func TestForeignThreads(t *testing.T) {
	const threads, perThread = 4, 25000
	l := newLogger(t, 1000)
	var mu sync.Mutex
	perActor := map[string]int{}
	total := 0
	sub, err := l.Subscribe(func(e al.Event) error {
		mu.Lock()
		perActor[e.Actor]++
		total++
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p := producer.Start(al.CLogger(l), threads, perThread)
	if p == nil {
		t.Fatal("producer did not start")
	}
	// Poll without blocking any thread the callbacks need.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := total
		mu.Unlock()
		if p.Finished() && n >= threads*perThread {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: finished=%v, %d callbacks (deadlock?)", p.Finished(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if failures := p.Join(); failures != 0 {
		t.Errorf("%d audit_log calls failed in the producer", failures)
	}
	mu.Lock()
	defer mu.Unlock()
	if total != threads*perThread {
		t.Errorf("%d callbacks, want %d", total, threads*perThread)
	}
	for i := 0; i < threads; i++ {
		if got := perActor[fmt.Sprint("thread-", i)]; got != perThread {
			t.Errorf("thread-%d: %d callbacks, want %d", i, got, perThread)
		}
	}
	if st, err := sub.Stats(); err != nil || st != (al.Stats{Delivered: threads * perThread}) {
		t.Errorf("Stats = %+v, %v", st, err)
	}
	if l.Appended() != threads*perThread {
		t.Errorf("appended %d", l.Appended())
	}
}
