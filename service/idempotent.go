package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/baohangateway/baohan/gmcrypto"

	"github.com/baohangateway/baohan/wire"
)

// errContentDiffers marks the refusal of a retried request whose content
// differs from the accepted one; it must not be retried.
var errContentDiffers = errors.New("content differs")

// secretFields are request fields kept only as digests.
var secretFields = map[string]bool{wire.FieldKey: true, wire.FieldIV: true}

// businessFields returns a request's fields as compared for idempotency: its
// JSON form (Platform, appkey, timestamp and sign are not in it), with secret
// values replaced by their SM3.
func businessFields(req any) map[string]string {
	b, err := json.Marshal(req)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", req, err)) // requests are flat structs of strings
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("unmarshal %T: %v", req, err))
	}
	for k, v := range m {
		if secretFields[k] && v != "" {
			m[k] = "sm3:" + gmcrypto.SM3Hex([]byte(v))
		}
	}
	return m
}

// diffFields names the fields whose values differ.
func diffFields(a, b map[string]string) []string {
	var names []string
	for k, v := range a {
		if b[k] != v {
			names = append(names, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// once runs an inbound request idempotently: a request already accepted with
// the same business fields gets the answer it got then and changes nothing;
// one with different fields is refused; otherwise fn runs in a transaction
// with the record of the request. A refused request leaves nothing behind.
//
// It does not look first: fn runs at once, and its transaction ends by
// storing the record, whose unique key (platform, interface, applyno) no
// second current record can share. A replay therefore fails, either in fn
// (the application exists, or its state no longer allows the operation) or
// on the record; only then are the accepted requests looked up, and the kept
// answer wins over the failure. New requests, nearly all of them, save a
// query (a round trip on MySQL); a replay costs a failed transaction.
func (s *Guarantees) once(ctx context.Context, platform, iface, applyNo string, req any, fn func(ctx context.Context) (map[string]string, error)) (map[string]string, error) {
	fields := businessFields(req)
	var answer map[string]string
	// accepted reports whether the request was accepted before, and the
	// refusal when its fields differ from those accepted.
	accepted := func() (bool, error) {
		rec, err := s.Store.GetInbound(ctx, platform, iface, applyNo)
		switch {
		case err == nil:
			if diff := diffFields(rec.Fields, fields); len(diff) > 0 {
				return true, fmt.Errorf("%w: %w", errContentDiffers, Errorf(ECONFLICT,
					"业务流水号 %s 的 %s 请求已于 %s 受理，本次请求的字段 %s 与已受理的不同，不予受理",
					applyNo, iface, rec.CreatedAt.In(beijing).Format("2006-01-02 15:04:05"), strings.Join(diff, "、")))
			}
			answer = rec.Answer
			return true, nil
		case ErrorCode(err) == ENOTFOUND:
			return false, nil
		}
		return true, err
	}
	err := retry(func() error {
		err := s.Store.WithTx(ctx, func(ctx context.Context) error {
			data, err := fn(ctx)
			if err != nil {
				return err
			}
			answer = data
			return s.Store.CreateInbound(ctx, &InboundRecord{
				Platform: platform, Interface: iface, ApplyNo: applyNo, Fields: fields, Answer: data, CreatedAt: s.now(),
			})
		})
		if err == nil {
			return nil
		}
		answer = nil
		if done, aerr := accepted(); done {
			return aerr
		}
		return err
	})
	return answer, err
}
