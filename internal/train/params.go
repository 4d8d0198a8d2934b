package train

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mlcycle/mlcycle/internal/fault"
)

// ParseParams parses "k=v,k=v" (or several such strings) into a map. A
// value may not contain a comma; an empty string gives an empty map.
func ParseParams(specs ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, spec := range specs {
		for _, kv := range strings.Split(spec, ",") {
			kv = strings.TrimSpace(kv)
			if kv == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok || k == "" {
				return nil, fault.Invalid("params: %q is not key=value", kv)
			}
			if _, dup := out[k]; dup {
				return nil, fault.Invalid("params: %s is given twice", k)
			}
			out[k] = v
		}
	}
	return out, nil
}

// setParams sets the fields of the struct dst points to from kv, matching
// keys to the fields' json names. Every problem is reported at once: an
// unknown name (with the valid names), a value that does not parse as the
// field's type.
func setParams(algo string, dst any, kv map[string]string) error {
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	fields := map[string]int{}
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" || !t.Field(i).IsExported() {
			continue
		}
		fields[name] = i
		names = append(names, name)
	}
	sort.Strings(names)
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var problems []string
	for _, k := range keys {
		i, ok := fields[k]
		if !ok {
			problems = append(problems, fmt.Sprintf("unknown parameter %q (%s takes: %s)", k, algo, strings.Join(names, ", ")))
			continue
		}
		if err := setField(v.Field(i), kv[k]); err != nil {
			problems = append(problems, fmt.Sprintf("%s=%s: %v", k, kv[k], err))
		}
	}
	if len(problems) > 0 {
		return fault.Invalid("params: %s", strings.Join(problems, "; "))
	}
	return nil
}

func setField(f reflect.Value, s string) error {
	if f.Kind() == reflect.Pointer {
		p := reflect.New(f.Type().Elem())
		if err := setField(p.Elem(), s); err != nil {
			return err
		}
		f.Set(p)
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("want an integer")
		}
		f.SetInt(n)
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("want a non-negative integer")
		}
		f.SetUint(n)
	case reflect.Float64, reflect.Float32:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("want a number")
		}
		f.SetFloat(x)
	default:
		return fmt.Errorf("cannot be set from the command line")
	}
	return nil
}

// reserved are parameters the platform sets itself from the task and the
// options; a user setting one gets an error saying where it comes from.
var reserved = map[string]string{
	"objective":    "the task (set --task or goal.task; gbdt's regression objectives may be set: reg:absoluteerror, reg:pseudohubererror, reg:quantileerror, count:poisson)",
	"num_class":    "the number of classes in the target",
	"task":         "the task",
	"random_state": "--seed",
	"n_jobs":       "the machine (all cores)",
}

func checkReserved(kv map[string]string, allow ...string) error {
	var problems []string
	for k := range kv {
		if why, ok := reserved[k]; ok && !slices.Contains(allow, k) {
			problems = append(problems, fmt.Sprintf("%s is set from %s", k, why))
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		return fault.Invalid("params: %s", strings.Join(problems, "; "))
	}
	return nil
}
