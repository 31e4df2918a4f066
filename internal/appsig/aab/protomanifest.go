package aab

import (
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/approov-cli/approov/internal/fault"
)

// MaxManifestSize bounds the protobuf manifest read into memory.
const MaxManifestSize = 8 << 20

// Android attribute resource IDs (android.R.attr), matched before names
// because release builds may strip attribute names.
const (
	resVersionCode      = 0x0101021b
	resVersionName      = 0x0101021c
	resVersionCodeMajor = 0x01010576
	resMinSdk           = 0x0101020c
	resTargetSdk        = 0x01010270
)

// ManifestInfo is what the measurement takes from the bundle manifest.
type ManifestInfo struct {
	Package     string
	VersionCode int64
	VersionName string
	MinSDK      int
	TargetSDK   int
}

// attr is the part of aapt.pb.XmlAttribute we use.
type attr struct {
	name, value string
	resID       uint64
	prim        *int64 // compiled_item.prim int value
	str         *string
}

// element is the part of aapt.pb.XmlElement we use.
type element struct {
	name  string
	attrs []attr // only the attributes the measurement reads
	raw   []byte // the XmlElement message, walked again for the root's children
}

// wantedNames are the attribute names read when an attribute has no resource ID.
var wantedNames = map[string]bool{"package": true, "versionCode": true, "versionCodeMajor": true,
	"versionName": true, "minSdkVersion": true, "targetSdkVersion": true}

// wanted reports whether the measurement reads a; keeping only those bounds
// what a manifest of many tiny attributes makes us allocate.
func wanted(a attr) bool {
	switch a.resID {
	case 0:
		return wantedNames[a.name]
	case resVersionCode, resVersionName, resVersionCodeMajor, resMinSdk, resTargetSdk:
		return true
	}
	return false
}

func manifestErr(format string, a ...any) error {
	return fault.New(fault.Invalid, "bundle manifest: "+format, a...)
}

// walk calls fn for each field of a protobuf message; fn gets the bytes of
// length-delimited fields and the value of varints. Groups are rejected.
func walk(b []byte, fn func(num protowire.Number, v []byte, u uint64)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return manifestErr("malformed protobuf")
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return manifestErr("malformed protobuf")
			}
			fn(num, v, 0)
			b = b[m:]
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return manifestErr("malformed protobuf")
			}
			fn(num, nil, v)
			b = b[m:]
		case protowire.Fixed32Type, protowire.Fixed64Type:
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return manifestErr("malformed protobuf")
			}
			b = b[m:]
		default:
			return manifestErr("unsupported protobuf wire type %d", typ)
		}
	}
	return nil
}

// DecodeManifest decodes base/manifest/AndroidManifest.xml, an
// aapt.pb.XmlNode. Only the root and its direct children are decoded, so
// nesting depth cannot exhaust the stack.
func DecodeManifest(b []byte) (*ManifestInfo, error) {
	if len(b) > MaxManifestSize {
		return nil, manifestErr("%d bytes exceed the limit of %d", len(b), MaxManifestSize)
	}
	root, err := decodeNode(b)
	if err != nil {
		return nil, err
	}
	if root == nil || root.name != "manifest" {
		return nil, manifestErr("root element is not <manifest>")
	}
	info := &ManifestInfo{}
	var major, minor int64
	for _, a := range root.attrs {
		switch {
		case a.resID == 0 && a.name == "package":
			info.Package = a.value
		case is(a, resVersionCode, "versionCode"):
			minor = a.int()
		case is(a, resVersionCodeMajor, "versionCodeMajor"):
			major = a.int()
		case is(a, resVersionName, "versionName"):
			info.VersionName = a.text()
		}
	}
	info.VersionCode = major<<32 | minor
	if err := readSDK(root, info); err != nil {
		return nil, err
	}
	return info, nil
}

// readSDK decodes the root's children (XmlElement.child, 5) one at a time,
// holding none of them, and takes the SDK levels from <uses-sdk>.
func readSDK(root *element, info *ManifestInfo) error {
	var childErr error
	err := walk(root.raw, func(num protowire.Number, v []byte, _ uint64) {
		if num != 5 || childErr != nil {
			return
		}
		el, err := decodeNode(v)
		if err != nil {
			childErr = err
		} else if el != nil && el.name == "uses-sdk" {
			info.MinSDK, info.TargetSDK = sdkAttrs(el)
		}
	})
	if err == nil {
		err = childErr
	}
	return err
}

func sdkAttrs(el *element) (minSDK, targetSDK int) {
	for _, a := range el.attrs {
		switch {
		case is(a, resMinSdk, "minSdkVersion"):
			minSDK = int(a.int())
		case is(a, resTargetSdk, "targetSdkVersion"):
			targetSDK = int(a.int())
		}
	}
	return minSDK, targetSDK
}

// is matches an attribute by resource ID, or by name when it has none.
func is(a attr, resID uint64, name string) bool {
	if a.resID != 0 {
		return a.resID == resID
	}
	return a.name == name
}

// int is the attribute's compiled integer, else its parsed raw value; 0 if neither.
func (a attr) int() int64 {
	if a.prim != nil {
		return *a.prim
	}
	v, err := strconv.ParseInt(a.value, 0, 32)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

func (a attr) text() string {
	if a.str != nil {
		return *a.str
	}
	return a.value
}

// decodeNode decodes an XmlNode; it returns nil for a text node.
func decodeNode(b []byte) (*element, error) {
	var elBytes []byte
	if err := walk(b, func(num protowire.Number, v []byte, _ uint64) {
		if num == 1 {
			elBytes = v
		}
	}); err != nil {
		return nil, err
	}
	if elBytes == nil {
		return nil, nil
	}
	el := &element{raw: elBytes}
	var attrErr error
	err := walk(elBytes, func(num protowire.Number, v []byte, _ uint64) {
		switch num {
		case 3:
			el.name = string(v)
		case 4:
			a, err := decodeAttr(v)
			if err != nil {
				attrErr = err
			}
			if wanted(a) {
				el.attrs = append(el.attrs, a)
			}
		}
	})
	if err == nil {
		err = attrErr
	}
	return el, err
}

func decodeAttr(b []byte) (attr, error) {
	var a attr
	var item []byte
	err := walk(b, func(num protowire.Number, v []byte, u uint64) {
		switch num {
		case 2:
			a.name = string(v)
		case 3:
			a.value = string(v)
		case 5:
			a.resID = u
		case 6:
			item = v
		}
	})
	if err != nil || item == nil {
		return a, err
	}
	return a, decodeItem(item, &a)
}

// decodeItem reads Item.str (2) -> String.value (1) and Item.prim (7) ->
// Primitive.int_decimal_value (6) or int_hexadecimal_value (7).
func decodeItem(b []byte, a *attr) error {
	var innerErr error
	err := walk(b, func(num protowire.Number, v []byte, _ uint64) {
		switch num {
		case 2:
			innerErr = walk(v, func(n protowire.Number, s []byte, _ uint64) {
				if n == 1 {
					str := string(s)
					a.str = &str
				}
			})
		case 7:
			innerErr = walk(v, func(n protowire.Number, _ []byte, u uint64) {
				if n == 6 || n == 7 {
					i := int64(int32(uint32(u)))
					if n == 7 {
						i = int64(uint32(u))
					}
					a.prim = &i
				}
			})
		}
	})
	if err != nil {
		return err
	}
	return innerErr
}

// BundletoolVersion reads BundleConfig.pb's bundletool.version (1 -> 2).
func BundletoolVersion(b []byte) (string, error) {
	var version string
	var inner error
	err := walk(b, func(num protowire.Number, v []byte, _ uint64) {
		if num == 1 {
			inner = walk(v, func(n protowire.Number, s []byte, _ uint64) {
				if n == 2 {
					version = string(s)
				}
			})
		}
	})
	if err == nil {
		err = inner
	}
	if err != nil {
		return "", fault.New(fault.Invalid, "BundleConfig.pb: malformed protobuf")
	}
	return version, nil
}
