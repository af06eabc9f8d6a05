package main

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// applyEnv sets every key named by a BAOHAN_ variable.
func applyEnv(cfg *Config, env []string) error {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, "BAOHAN_") && !strings.HasPrefix(k, "BAOHAN_TEST_") {
			vars[k] = v
		}
	}
	if len(vars) == 0 {
		return nil
	}
	used := map[string]bool{}
	if err := setFromEnv(reflect.ValueOf(cfg).Elem(), "BAOHAN", vars, used); err != nil {
		return err
	}
	for k := range vars {
		if !used[k] {
			return fmt.Errorf("environment %s: no such configuration key", k)
		}
	}
	return nil
}

func setFromEnv(v reflect.Value, prefix string, vars map[string]string, used map[string]bool) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		name := prefix + "_" + strings.ToUpper(tag)
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Struct:
			if err := setFromEnv(f, name, vars, used); err != nil {
				return err
			}
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			// Items by index; an index one past the end appends an item.
			for idx := 0; ; idx++ {
				itemPrefix := fmt.Sprintf("%s_%d", name, idx)
				if !hasPrefix(vars, itemPrefix+"_") {
					if idx >= f.Len() {
						break
					}
					continue
				}
				if idx >= f.Len() {
					f.Set(reflect.Append(f, reflect.New(f.Type().Elem()).Elem()))
				}
				if err := setFromEnv(f.Index(idx), itemPrefix, vars, used); err != nil {
					return err
				}
			}
		default:
			raw, ok := vars[name]
			if !ok {
				continue
			}
			used[name] = true
			if err := setScalar(f, raw); err != nil {
				return fmt.Errorf("environment %s: %w", name, err)
			}
		}
	}
	return nil
}

func hasPrefix(vars map[string]string, prefix string) bool {
	for k := range vars {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func setScalar(f reflect.Value, raw string) error {
	switch {
	case f.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("want a duration such as 30m, got %q", raw)
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.String:
		f.SetString(raw)
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", raw)
		}
		f.SetBool(b)
	case f.Kind() >= reflect.Int && f.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("want a whole number, got %q", raw)
		}
		f.SetInt(n)
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		f.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("unsupported kind %s", f.Kind())
	}
	return nil
}
