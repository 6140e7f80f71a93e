package qemu

import (
	"context"
	"sync"
	"time"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// Job types and operations (virDomainJobType, virDomainJobOperation).
const (
	jobNone      int32 = 0
	jobUnbounded int32 = 2

	jobOperationSave int32 = 2
)

// asyncJob is a long job QEMU runs for the domain (libvirt's async job:
// save, managed save), with the progress QEMU last reported.
type asyncJob struct {
	operation int32
	name      string // as abort errors name it: "domain save job"
	started   time.Time

	mu                          sync.Mutex
	total, processed, remaining uint64
	aborted                     bool
}

func (j *asyncJob) progress(total, processed, remaining uint64) {
	j.mu.Lock()
	j.total, j.processed, j.remaining = total, processed, remaining
	j.mu.Unlock()
}

func (j *asyncJob) wasAborted() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.aborted
}

// beginJob makes j the process's async job until the returned end runs.
func (p *qemuProcess) beginJob(j *asyncJob) (end func()) {
	p.mu.Lock()
	p.job = j
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		if p.job == j {
			p.job = nil
		}
		p.mu.Unlock()
	}
}

func (p *qemuProcess) currentJob() *asyncJob {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.job
}

// runningJob returns the async job of a running domain, nil when none.
func (c *conn) runningJob(dom driver.DomainRef) (*asyncJob, *qemuProcess, error) {
	o, err := c.d.lookup(dom)
	if err != nil {
		return nil, nil, err
	}
	o.mu.Lock()
	p := o.proc
	o.mu.Unlock()
	if p == nil {
		return nil, nil, notRunning()
	}
	return p.currentJob(), p, nil
}

// DomainGetJobInfo reports the async job in progress
// (qemuDomainGetJobInfo): a save shows its elapsed time and how much of
// the guest's memory is written.
func (c *conn) DomainGetJobInfo(ctx context.Context, dom driver.DomainRef) (driver.DomainGetJobInfoRet, error) {
	j, _, err := c.runningJob(dom)
	if err != nil {
		return driver.DomainGetJobInfoRet{}, err
	}
	if j == nil {
		return driver.DomainGetJobInfoRet{Type: jobNone}, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return driver.DomainGetJobInfoRet{
		Type:          jobUnbounded,
		TimeElapsed:   uint64(time.Since(j.started).Milliseconds()),
		DataTotal:     j.total,
		DataProcessed: j.processed,
		DataRemaining: j.remaining,
		MemTotal:      j.total,
		MemProcessed:  j.processed,
		MemRemaining:  j.remaining,
	}, nil
}

// DomainGetJobStats reports the async job in progress as typed
// parameters (qemuDomainGetJobStats).
func (c *conn) DomainGetJobStats(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainGetJobStatsRet, error) {
	const completed, keepCompleted = 1 << 0, 1 << 1
	if err := unsupportedFlags(flags, completed|keepCompleted, "qemuDomainGetJobStats"); err != nil {
		return driver.DomainGetJobStatsRet{}, err
	}
	if flags&completed != 0 {
		if _, err := c.d.lookup(dom); err != nil {
			return driver.DomainGetJobStatsRet{}, err
		}
		return driver.DomainGetJobStatsRet{Type: jobNone}, nil
	}
	j, _, err := c.runningJob(dom)
	if err != nil {
		return driver.DomainGetJobStatsRet{}, err
	}
	if j == nil {
		return driver.DomainGetJobStatsRet{Type: jobNone}, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	params := []driver.TypedParam{
		intParam("operation", j.operation),
		ullong("time_elapsed", uint64(time.Since(j.started).Milliseconds())),
		ullong("data_total", j.total),
		ullong("data_processed", j.processed),
		ullong("data_remaining", j.remaining),
		ullong("memory_total", j.total),
		ullong("memory_processed", j.processed),
		ullong("memory_remaining", j.remaining),
	}
	return driver.DomainGetJobStatsRet{Type: jobUnbounded, Params: params}, nil
}

// DomainAbortJob cancels the async job (qemuDomainAbortJob): QEMU stops
// writing, the save fails with "canceled by client" and the guest runs on.
func (c *conn) DomainAbortJob(ctx context.Context, dom driver.DomainRef) error {
	if err := c.denyReadOnly("virDomainAbortJob"); err != nil {
		return err
	}
	j, p, err := c.runningJob(dom)
	if err != nil {
		return err
	}
	if j == nil {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "no job is active on the domain")
	}
	j.mu.Lock()
	j.aborted = true
	j.mu.Unlock()
	_, err = p.mon.Execute(ctx, "migrate_cancel", nil)
	return err
}
