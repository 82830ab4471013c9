package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
)

// probeTimeout bounds the database check behind /readyz.
const probeTimeout = 2 * time.Second

// healthz answers a liveness probe: the process is up and serving HTTP. It
// does not touch the database, so an orchestrator does not restart Tend
// for an outage a restart cannot mend.
func healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

// readyz answers a readiness probe: 200 when the database answers within
// probeTimeout and its schema is the one this binary was built for, else
// 503 saying which, so a load balancer sends no traffic to a replica that
// cannot serve it.
func readyz(st store.Store, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		have, want, err := st.SchemaVersion(ctx)
		switch {
		case err != nil:
			log.ErrorContext(ctx, "readiness check", "err", err, "request_id", edge.RequestID(ctx))
			http.Error(w, "not ready: database unavailable", http.StatusServiceUnavailable)
		case have != want:
			http.Error(w, fmt.Sprintf("not ready: database schema is version %d, this tend needs %d", have, want), http.StatusServiceUnavailable)
		default:
			w.Write([]byte("ready\n"))
		}
	}
}
