package qemu

import (
	"context"
	"sync"
	"time"

	"github.com/govirt/govirt/virt/virterr"
)

// jobWait bounds how long a job waits for another to finish
// (QEMU_JOB_WAIT_TIME in libvirt: 30 s).
var jobWait = 30 * time.Second

// jobLock serialises state-changing operations on one domain
// (qemuDomainObjBeginJob). Queries do not take it.
type jobLock struct {
	mu      sync.Mutex
	held    string // libvirt's job name: "modify", "destroy", "async nested" …
	api     string // the API that holds it, as libvirt reports (remoteDispatch…)
	since   time.Time
	release chan struct{}
}

// acquire takes the job for api, waiting at most jobWait; the error names
// the holder as libvirt's does: "Timed out during operation: cannot
// acquire state change lock (held by monitor=remoteDispatchDomainSuspend)".
func (j *jobLock) acquire(ctx context.Context, job, api string) error {
	deadline := time.NewTimer(jobWait)
	defer deadline.Stop()
	for {
		j.mu.Lock()
		if j.held == "" {
			j.held, j.api, j.since = job, api, time.Now()
			j.release = make(chan struct{})
			j.mu.Unlock()
			return nil
		}
		wait, holder := j.release, j.api
		j.mu.Unlock()
		select {
		case <-wait:
		case <-deadline.C:
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationTimeout,
				"cannot acquire state change lock (held by monitor=%s)", holder)
		case <-ctx.Done():
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationTimeout,
				"cannot acquire state change lock (held by monitor=%s)", holder)
		}
	}
}

func (j *jobLock) end() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.held == "" {
		return
	}
	j.held, j.api = "", ""
	close(j.release)
}

// current reports the job held now and since when.
func (j *jobLock) current() (string, time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.held, j.since
}
