package query

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateLimiter gives every principal a token bucket of its own: Rate
// requests a second with bursts of Burst. Buckets live in the API process,
// so with several API processes behind a load balancer each grants the
// rate (the load balancer's stickiness decides how that adds up).
type rateLimiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newRateLimiter(perSecond float64, burst int, now func() time.Time) *rateLimiter {
	return &rateLimiter{rate: rate.Limit(perSecond), burst: burst, now: now, buckets: map[string]*bucket{}}
}

// wait reports how long the principal must wait before its next request;
// zero admits the request (and takes its token).
func (l *rateLimiter) wait(key string) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		// Forget principals idle long enough for their bucket to be full.
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// limit answers 429 with Retry-After once a principal exceeds its rate.
func (s *Server) limit(next http.Handler) http.Handler {
	if s.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		if d := s.limiter.wait(string(p.Role) + "/" + p.Subject); d > 0 {
			secs := int(math.Ceil(d.Seconds()))
			writeProblem(w, r, &Problem{Status: http.StatusTooManyRequests, Title: "Too many requests",
				Detail: "slow down: at most " + strconv.FormatFloat(float64(s.limiter.rate), 'f', -1, 64) +
					" requests a second (bursts of " + strconv.Itoa(s.limiter.burst) + ")", RetryAfter: secs})
			return
		}
		next.ServeHTTP(w, r)
	})
}
