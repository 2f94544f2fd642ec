package auditlogger_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	al "github.com/audit-logger/audit-logger/bindings/go"
)

// recorder is a subscriber remembering the seqs it saw.
type recorder struct {
	mu   sync.Mutex
	seqs []uint64
}

func (r *recorder) record(e al.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seqs = append(r.seqs, e.Seq)
	return nil
}

func (r *recorder) got() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint64{}, r.seqs...)
}

func TestSubscriberSeesStoredEvents(t *testing.T) {
	l := newLogger(t, 10)
	var mu sync.Mutex
	var problems []string
	sub, err := l.Subscribe(func(e al.Event) error {
		// The event is stored before subscribers run.
		stored, err := l.Get(e.Seq)
		mu.Lock()
		defer mu.Unlock()
		if err != nil || stored.Actor != e.Actor || string(stored.Details) != string(e.Details) {
			problems = append(problems, fmt.Sprintf("seq %d: stored %+v, %v; delivered %+v", e.Seq, stored, err, e))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	within(t, 10*time.Second, func() {
		for i := 0; i < 5; i++ {
			if _, err := l.Log(al.Entry{Actor: fmt.Sprint("u", i), Severity: al.SeverityInfo, Details: map[string]int{"i": i}}); err != nil {
				t.Error(err)
			}
		}
	})
	if len(problems) > 0 {
		t.Error(problems)
	}
	if st, err := sub.Stats(); err != nil || st != (al.Stats{Delivered: 5}) {
		t.Errorf("Stats = %+v, %v", st, err)
	}
}

func TestSubscriberFailuresAreCounted(t *testing.T) {
	l := newLogger(t, 100)
	failing, err := l.Subscribe(func(e al.Event) error {
		switch e.Seq % 3 {
		case 1:
			return errors.New("forwarder down")
		case 2:
			panic("subscriber bug")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	healthy := &recorder{}
	other, err := l.Subscribe(healthy.record)
	if err != nil {
		t.Fatal(err)
	}
	within(t, 10*time.Second, func() {
		for i := 1; i <= 9; i++ {
			if seq := mustLog(t, l, "a"); seq != uint64(i) {
				t.Errorf("seq %d, want %d", seq, i)
			}
		}
	})
	if st, err := failing.Stats(); err != nil || st != (al.Stats{Delivered: 9, Failed: 6}) {
		t.Errorf("failing Stats = %+v, %v; want 9 delivered, 6 failed", st, err)
	}
	if st, err := other.Stats(); err != nil || st != (al.Stats{Delivered: 9}) {
		t.Errorf("healthy Stats = %+v, %v", st, err)
	}
	if got := healthy.got(); len(got) != 9 {
		t.Errorf("healthy subscriber got %v", got)
	}
	if l.Count() != 9 {
		t.Errorf("count %d, want 9", l.Count())
	}
}

func TestReentrantLogFromSubscriber(t *testing.T) {
	l := newLogger(t, 100)
	rec := &recorder{}
	var innerErr error
	_, err := l.Subscribe(func(e al.Event) error {
		rec.record(e)
		if e.Action == "outer" { // one level deep
			_, innerErr = l.Log(al.Entry{Actor: "sub", Action: "inner", Severity: al.SeverityInfo})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	within(t, 10*time.Second, func() {
		for i := 0; i < 3; i++ {
			if _, err := l.Log(al.Entry{Actor: "a", Action: "outer", Severity: al.SeverityInfo}); err != nil {
				t.Error(err)
			}
		}
	})
	if innerErr != nil {
		t.Fatal(innerErr)
	}
	if got := rec.got(); !equalSeqs(got, []uint64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("received %v, want 1..6 (each outer then its inner)", got)
	}
	events, _ := l.Query(al.Filter{Action: al.Ptr("inner")})
	if got := seqsOf(events); !equalSeqs(got, []uint64{2, 4, 6}) {
		t.Errorf("inner events %v", got)
	}
}

func TestSelfUnsubscribe(t *testing.T) {
	l := newLogger(t, 100)
	baseline := al.LiveHandles()
	calls := 0
	var sub *al.Subscription
	var unsubErr error
	sub, err := l.Subscribe(func(al.Event) error {
		calls++
		unsubErr = sub.Unsubscribe()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if al.LiveHandles() != baseline+1 {
		t.Fatalf("live handles %d, want %d", al.LiveHandles(), baseline+1)
	}
	within(t, 10*time.Second, func() {
		for i := 0; i < 3; i++ {
			mustLog(t, l, "a")
		}
	})
	if calls != 1 || unsubErr != nil {
		t.Errorf("called %d times (want 1), Unsubscribe in callback: %v", calls, unsubErr)
	}
	if err := sub.Unsubscribe(); !errors.Is(err, al.ErrNotFound) {
		t.Errorf("second Unsubscribe = %v, want ErrNotFound", err)
	}
	if _, err := sub.Stats(); !errors.Is(err, al.ErrNotFound) {
		t.Errorf("Stats after Unsubscribe = %v, want ErrNotFound", err)
	}
	if al.LiveHandles() != baseline {
		t.Errorf("handle not released: live %d, want %d", al.LiveHandles(), baseline)
	}
}

func TestCloseReleasesSubscriptions(t *testing.T) {
	baseline := al.LiveHandles()
	l, err := al.New(10)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := l.Subscribe(func(al.Event) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if al.LiveHandles() != baseline+3 {
		t.Fatalf("live handles %d, want %d", al.LiveHandles(), baseline+3)
	}
	l.Close()
	if al.LiveHandles() != baseline {
		t.Errorf("Close left %d handles", al.LiveHandles()-baseline)
	}
}

func TestCloseFromSubscriber(t *testing.T) {
	baseline := al.LiveHandles()
	l, err := al.New(10)
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Subscribe(func(al.Event) error { return l.Close() })
	if err != nil {
		t.Fatal(err)
	}
	within(t, 10*time.Second, func() {
		// The event is logged; the logger is freed when this call returns.
		if seq, err := l.Log(al.Entry{Severity: al.SeverityInfo}); err != nil || seq != 1 {
			t.Errorf("Log = %d, %v", seq, err)
		}
	})
	if _, err := l.Log(al.Entry{Severity: al.SeverityInfo}); !errors.Is(err, al.ErrClosed) {
		t.Errorf("Log after Close = %v, want ErrClosed", err)
	}
	if al.LiveHandles() != baseline {
		t.Errorf("subscription handle not released")
	}
}
