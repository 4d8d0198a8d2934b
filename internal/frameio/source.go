package frameio

import (
	"errors"
	"fmt"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// source describes how a Parquet leaf column stores its values.
type source struct {
	kind     parquet.Kind
	name     string // the Parquet type as parquet-go prints it, for messages
	unsigned bool   // INT(…, false)
	decimal  bool
	scale    int32
	date     bool  // DATE: days since the epoch
	unit     int64 // TIMESTAMP: nanoseconds per tick; 0 when not a timestamp
	uuid     bool
}

func sourceOf(c *parquet.Column) (source, error) {
	t := c.Type()
	s := source{kind: t.Kind(), name: t.String()}
	if ct := t.ConvertedType(); ct != nil && *ct == deprecated.Interval {
		return s, errors.New("INTERVAL columns are not supported")
	}
	if lt := t.LogicalType(); lt != nil {
		switch v := lt.Value.(type) {
		case nil, *format.StringType, *format.EnumType, *format.JsonType, *format.BsonType:
		case *format.IntType:
			s.unsigned = !v.IsSigned
		case *format.DecimalType:
			s.decimal, s.scale = true, v.Scale
		case *format.DateType:
			s.date = true
		case *format.TimestampType:
			switch v.Unit.Value.(type) {
			case *format.MilliSeconds:
				s.unit = 1e6
			case *format.MicroSeconds:
				s.unit = 1e3
			case *format.NanoSeconds:
				s.unit = 1
			default:
				return s, fmt.Errorf("%s: unknown timestamp unit", s.name)
			}
		case *format.UUIDType:
			s.uuid = true
		default:
			return s, fmt.Errorf("%s columns are not supported", s.name)
		}
	}
	switch s.kind {
	case parquet.Boolean, parquet.Float, parquet.Double:
		if s.decimal || s.date || s.unit != 0 || s.uuid {
			return s, fmt.Errorf("%s columns are not supported", s.name)
		}
	case parquet.Int32, parquet.Int64:
		if s.uuid || (s.unit != 0 && s.kind == parquet.Int32) {
			return s, fmt.Errorf("%s columns are not supported", s.name)
		}
	case parquet.Int96:
		s.unit = 1
	case parquet.ByteArray:
		if s.decimal || s.date || s.unit != 0 {
			return s, fmt.Errorf("%s columns are not supported", s.name)
		}
	case parquet.FixedLenByteArray:
		if s.date || s.unit != 0 {
			return s, fmt.Errorf("%s columns are not supported", s.name)
		}
	default:
		return s, fmt.Errorf("%s columns are not supported", s.name)
	}
	return s, nil
}

// isTime reports whether the column holds dates or instants.
func (s source) isTime() bool { return s.date || s.unit != 0 }

// logical returns the logical type a column of this source gets when the
// catalog does not say.
func (s source) logical() string {
	switch {
	case s.date:
		return frame.LogicalDate
	case s.unit != 0:
		return frame.LogicalTimestamp
	case s.decimal:
		return frame.LogicalFloat
	}
	switch s.kind {
	case parquet.Boolean:
		return frame.LogicalBoolean
	case parquet.Int32, parquet.Int64:
		return frame.LogicalInteger
	case parquet.Float, parquet.Double:
		return frame.LogicalFloat
	}
	return frame.LogicalCategorical
}

// canLoadAs reports whether values of this source can make a column of
// kind k.
func (s source) canLoadAs(k frame.Kind) error {
	if s.isTime() != (k == frame.Time) {
		if s.isTime() {
			return errors.New("dates and timestamps load only as \"date\" or \"timestamp\"")
		}
		return errors.New("the column has no DATE or TIMESTAMP annotation")
	}
	switch k {
	case frame.Float:
		if (s.kind == parquet.ByteArray || s.kind == parquet.FixedLenByteArray) && !s.decimal {
			return errors.New("byte strings are not numbers")
		}
	case frame.Bool:
		if s.kind != parquet.Boolean && ((s.kind != parquet.Int32 && s.kind != parquet.Int64) || s.decimal) {
			return errors.New("only BOOLEAN and 0/1 integer columns load as \"boolean\"")
		}
	}
	return nil
}

func (s source) String() string {
	if s.name == s.kind.String() {
		return s.name
	}
	return s.kind.String() + " " + s.name
}
