package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/vizrun/vizrun/tracer"
)

// The simulated server answers each call after 20 to 80 ms, and, like
// Telegram, refuses a method called too often: more than floodLimit
// messages.sendMessage calls in floodWindow get FLOOD_WAIT_1, "wait one
// second before trying again" (Telegram's unit is the second).
const (
	minLatency  = 20 * time.Millisecond
	maxLatency  = 80 * time.Millisecond
	floodLimit  = 8
	floodWindow = time.Second
	floodWait   = 1 // seconds
)

// server is a simulated Telegram server behind the tg.Invoker interface,
// where telegram.Client's connection would be: it decodes the request
// from its TL encoding and answers with a TL-encoded result or an RPC
// error, as the wire would. It never touches the network.
type server struct {
	mu       sync.Mutex
	rng      *rand.Rand
	accepted map[uint32][]time.Time // by method: when calls were let through, within floodWindow
	nextID   int
	stats    serverStats
}

// serverStats counts what the server answered.
type serverStats struct {
	Calls    int // every call, FLOOD_WAIT answers included
	Floods   int // calls answered FLOOD_WAIT
	Messages int // messages.sendMessage calls accepted
	Configs  int // help.getConfig calls answered
}

func newServer() *server {
	return &server{
		rng:      rand.New(rand.NewPCG(8, 420)), // the same jitter every run
		accepted: map[uint32][]time.Time{},
	}
}

// Invoke answers one RPC after the network's latency.
func (s *server) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	defer tracer.Region(ctx, "server call").End()
	var req bin.Buffer
	if err := input.Encode(&req); err != nil {
		return err
	}
	method, err := req.PeekID()
	if err != nil {
		return err
	}
	latency, flood := s.arrive(method)
	if err := sleep(ctx, latency); err != nil {
		return err
	}
	if flood {
		return tgerr.New(420, fmt.Sprintf("FLOOD_WAIT_%d", floodWait))
	}
	answer, err := s.answer(method, &req)
	if err != nil {
		return err
	}
	var resp bin.Buffer
	if err := resp.Encode(answer); err != nil {
		return err
	}
	return output.Decode(&resp)
}

// arrive books a call of method: its latency, and whether it is one too
// many in the flood window.
func (s *server) arrive(method uint32) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Calls++
	latency := minLatency + time.Duration(s.rng.Int64N(int64(maxLatency-minLatency)))
	if method != tg.MessagesSendMessageRequestTypeID {
		return latency, false
	}
	now := time.Now()
	recent := s.accepted[method]
	for len(recent) > 0 && now.Sub(recent[0]) >= floodWindow {
		recent = recent[1:]
	}
	if len(recent) >= floodLimit {
		s.accepted[method] = recent
		s.stats.Floods++
		return latency, true
	}
	s.accepted[method] = append(recent, now)
	return latency, false
}

// answer builds the result of an accepted call.
func (s *server) answer(method uint32, req *bin.Buffer) (bin.Encoder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := int(time.Now().Unix())
	switch method {
	case tg.MessagesSendMessageRequestTypeID:
		var m tg.MessagesSendMessageRequest
		if err := m.Decode(req); err != nil {
			return nil, err
		}
		s.stats.Messages++
		s.nextID++
		return &tg.UpdateShortSentMessage{ID: s.nextID, Pts: s.nextID, PtsCount: 1, Date: now}, nil
	case tg.HelpGetConfigRequestTypeID:
		s.stats.Configs++
		return &tg.Config{
			Date:      now,
			Expires:   now + 3600,
			ThisDC:    2,
			DCOptions: []tg.DCOption{{ID: 2, IPAddress: "149.154.167.50", Port: 443}},
		}, nil
	}
	return nil, tgerr.New(400, "INPUT_METHOD_INVALID")
}

// Stats returns what the server answered so far.
func (s *server) Stats() serverStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// sleep waits for d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
