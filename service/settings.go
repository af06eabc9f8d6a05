package service

import (
	"context"
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Settings are the rules an administrator changes in the console (参数设置):
// the underwriting rules and the maker-checker threshold. Stored values
// override the configuration's. Apply and Approve read them from a snapshot
// that is swapped whole when they change (Service.Settings), so a request
// never sees half an update and no lock is taken on the hot path.
type Settings struct {
	Underwriting     Underwriting
	CheckerThreshold Money // console approvals above it need a second officer; 0: off
}

// Validate checks the settings.
func (st Settings) Validate() error {
	if err := st.Underwriting.Validate(); err != nil {
		return err
	}
	if st.CheckerThreshold < 0 {
		return Errorf(EINVALID, "复核金额阈值不能为负数")
	}
	return nil
}

// SettingsStore keeps the settings the console changed, as text by key.
type SettingsStore interface {
	// ListSettings returns every stored setting by key.
	ListSettings(ctx context.Context) (map[string]string, error)
	// PutSettings inserts or replaces values.
	PutSettings(ctx context.Context, values map[string]string, at time.Time) error
	// EnsureSetting stores value under key unless key has a value already,
	// and returns the stored value: the first of several instances starting
	// at once wins.
	EnsureSetting(ctx context.Context, key, value string, at time.Time) (string, error)
}

// The keys of the settings table.
const (
	keyRate             = "underwriting.rate"
	keyMinPremium       = "underwriting.min_premium"
	keyMaxAmount        = "underwriting.max_amount"
	keyExposureLimit    = "underwriting.exposure_limit"
	keyBlockedBidders   = "underwriting.blocked_bidders"
	keyValidityDays     = "underwriting.validity_days"
	keyCheckerThreshold = "console.checker_threshold"

	// keyConsoleSecret is the key of the console's CSRF tokens: kept in the
	// database so that every instance and every restart share it.
	keyConsoleSecret = "secret.console_csrf"
)

// Setup is the administration of the running rules: the settings an
// administrator changes in the console, the console's secret and the
// signing panel.
type Setup struct{ *env }

// LoadSettings reads the stored settings over the configuration's and puts
// them in force. Serve calls it at start and then now and then, so that a
// change made on another instance arrives. A stored value that does not
// parse (the table was edited by hand) is logged and the configuration's
// value kept.
func (s *Setup) LoadSettings(ctx context.Context) error {
	values, err := s.Store.ListSettings(ctx)
	if err != nil {
		return err
	}
	st := s.baseSettings()
	for key, raw := range values {
		if err := setSetting(&st, key, raw); err != nil {
			s.Log.Error("stored setting ignored", "key", key, "error", err)
		}
	}
	if err := st.Validate(); err != nil {
		s.Log.Error("stored settings ignored", "error", err)
		st = s.baseSettings()
	}
	// Say once, and again when they change, which settings saved in the
	// console override the configuration file: an operator editing the
	// file would otherwise wonder why the change does nothing.
	if prev := s.settings.Load(); prev == nil || !reflect.DeepEqual(settingValues(*prev), settingValues(st)) {
		if keys := overridden(s.baseSettings(), st); len(keys) > 0 {
			s.Log.Info("settings saved in the console override the configuration file; change them in the console (系统设置)",
				"keys", strings.Join(keys, ", "))
		}
	}
	s.settings.Store(&st)
	return nil
}

// overridden lists the keys whose value in st differs from base, in the
// order of settingLabels.
func overridden(base, st Settings) []string {
	b, v := settingValues(base), settingValues(st)
	var keys []string
	for _, l := range settingLabels {
		if b[l.key] != v[l.key] {
			keys = append(keys, l.key)
		}
	}
	return keys
}

// setSetting sets the field of key from its stored text; unknown keys (the
// secrets) are not settings and are skipped.
func setSetting(st *Settings, key, raw string) error {
	uw := &st.Underwriting
	money := func(dst *Money) error {
		if raw == "" {
			*dst = 0
			return nil
		}
		m, err := ParseMoney(raw)
		if err != nil {
			return err
		}
		*dst = m
		return nil
	}
	switch key {
	case keyRate:
		uw.Rate = raw
	case keyMinPremium:
		return money(&uw.MinPremium)
	case keyMaxAmount:
		return money(&uw.MaxAmount)
	case keyExposureLimit:
		return money(&uw.ExposureLimit)
	case keyCheckerThreshold:
		return money(&st.CheckerThreshold)
	case keyBlockedBidders:
		uw.BlockedBidders = nil
		for _, line := range strings.Split(raw, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				uw.BlockedBidders = append(uw.BlockedBidders, line)
			}
		}
	case keyValidityDays:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return err
		}
		uw.ValidityDays = n
	}
	return nil
}

// settingValues is st as stored: every key, limits that are off as "".
func settingValues(st Settings) map[string]string {
	money := func(m Money) string {
		if m == 0 {
			return ""
		}
		return m.String()
	}
	uw := st.Underwriting
	return map[string]string{
		keyRate:             uw.Rate,
		keyMinPremium:       uw.MinPremium.String(),
		keyMaxAmount:        money(uw.MaxAmount),
		keyExposureLimit:    money(uw.ExposureLimit),
		keyBlockedBidders:   strings.Join(uw.BlockedBidders, "\n"),
		keyValidityDays:     strconv.Itoa(uw.ValidityDays),
		keyCheckerThreshold: money(st.CheckerThreshold),
	}
}

// settingLabels name the settings in Chinese, in the order the audit trail
// lists their changes.
var settingLabels = []struct{ key, label string }{
	{keyRate, "费率"}, {keyMinPremium, "最低保费"}, {keyMaxAmount, "单笔保证金上限"},
	{keyExposureLimit, "承保额度"}, {keyValidityDays, "保函有效期（天）"},
	{keyCheckerThreshold, "复核金额阈值"}, {keyBlockedBidders, "禁止承保名单"},
}

// SettingsInput is the settings form as typed: amounts in yuan ("" turns a
// limit off), the blocked list one credit code a line.
type SettingsInput struct {
	Rate             string
	MinPremium       string
	MaxAmount        string
	ExposureLimit    string
	ValidityDays     string
	CheckerThreshold string
	BlockedBidders   string
}

// SettingsForm is st as the settings form shows it.
func SettingsForm(st Settings) SettingsInput {
	v := settingValues(st)
	return SettingsInput{
		Rate: v[keyRate], MinPremium: v[keyMinPremium], MaxAmount: v[keyMaxAmount], ExposureLimit: v[keyExposureLimit],
		ValidityDays: v[keyValidityDays], CheckerThreshold: v[keyCheckerThreshold], BlockedBidders: v[keyBlockedBidders],
	}
}

// parse reads the form; its errors name the field and the rule.
func (in SettingsInput) parse() (Settings, error) {
	var st Settings
	uw := &st.Underwriting
	uw.Rate = strings.TrimSpace(in.Rate) // Validate checks it
	for _, m := range []struct {
		label, raw string
		dst        *Money
		required   bool
	}{
		{"最低保费", in.MinPremium, &uw.MinPremium, true},
		{"单笔保证金上限", in.MaxAmount, &uw.MaxAmount, false},
		{"承保额度", in.ExposureLimit, &uw.ExposureLimit, false},
		{"复核金额阈值", in.CheckerThreshold, &st.CheckerThreshold, false},
	} {
		raw := strings.ReplaceAll(strings.TrimSpace(m.raw), ",", "")
		if raw == "" {
			if m.required {
				return st, Errorf(EINVALID, "请填写%s（元），不收最低保费请填 0", m.label)
			}
			continue
		}
		v, err := ParseMoney(raw)
		if err != nil {
			return st, Errorf(EINVALID, "%s「%s」格式错误：应为金额（元），最多两位小数，如 100.00", m.label, m.raw)
		}
		*m.dst = v
	}
	days, err := strconv.Atoi(strings.TrimSpace(in.ValidityDays))
	if err != nil || days <= 0 || days > 3650 {
		return st, Errorf(EINVALID, "保函有效期「%s」错误：应为 1 到 3650 之间的整数（天）", in.ValidityDays)
	}
	uw.ValidityDays = days
	for i, line := range strings.Split(in.BlockedBidders, "\n") {
		code := strings.ToUpper(strings.TrimSpace(line))
		if code == "" {
			continue
		}
		if len(code) != 18 || strings.Trim(code, creditCodeChars) != "" {
			return st, Errorf(EINVALID, "禁止承保名单第 %d 行「%s」错误：应为 18 位统一社会信用代码，每行一个", i+1, strings.TrimSpace(line))
		}
		if !slices.Contains(uw.BlockedBidders, code) {
			uw.BlockedBidders = append(uw.BlockedBidders, code)
		}
	}
	return st, st.Validate()
}

// UpdateSettings puts new settings in force, stores them and records the
// change in the audit trail. Only an administrator may; EINVALID names the
// field whose value breaks its rule.
func (s *Setup) UpdateSettings(ctx context.Context, actor Actor, in SettingsInput) (Settings, error) {
	if actor.Role != RoleAdmin {
		return Settings{}, Errorf(EFORBIDDEN, "只有管理员可以修改参数设置")
	}
	st, err := in.parse()
	if err != nil {
		return Settings{}, err
	}
	old, values := settingValues(s.Settings()), settingValues(st)
	var changes []string
	for _, l := range settingLabels {
		if old[l.key] != values[l.key] {
			changes = append(changes, fmt.Sprintf("%s：%s → %s", l.label, settingText(old[l.key]), settingText(values[l.key])))
		}
	}
	if len(changes) == 0 {
		return st, nil
	}
	err = s.Store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Store.PutSettings(ctx, values, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, nil, actor, "settings_update", strings.Join(changes, "；"))
	})
	if err != nil {
		return Settings{}, err
	}
	s.settings.Store(&st)
	return st, nil
}

// settingText shows a stored value in the audit trail.
func settingText(v string) string {
	if v == "" {
		return "（未设置）"
	}
	return strings.ReplaceAll(v, "\n", "、")
}

// ConsoleSecret returns the console's 32-byte secret (the key of its CSRF
// tokens), made and stored at first start.
func (s *Setup) ConsoleSecret(ctx context.Context) ([]byte, error) {
	v, err := s.Store.EnsureSetting(ctx, keyConsoleSecret, randomToken(32), s.now())
	if err != nil {
		return nil, err
	}
	key, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("stored console secret is not 32 bytes of base64url")
	}
	return key, nil
}
