package apk

import (
	"encoding/binary"
	"strconv"
)

// Typed value kinds (Res_value::dataType).
const (
	typeString = 0x03
	typeIntDec = 0x10
	typeIntHex = 0x11
)

// attribute is one decoded XML attribute.
type attribute struct {
	name  string
	resID uint32
	raw   string // raw string value, if any
	typ   uint8
	data  uint32
}

func (d *axml) startTag(c []byte, hdr int) error {
	le := binary.LittleEndian
	if len(c) < hdr+20 {
		return axmlErr("start tag is truncated")
	}
	ext := c[hdr:]
	name, err := d.str(le.Uint32(ext[4:]))
	if err != nil {
		return err
	}
	wantManifest := d.depth == 1 && name == "manifest"
	wantSDK := d.depth == 2 && d.sawManifest && name == "uses-sdk"
	if !wantManifest && !wantSDK {
		return nil
	}
	attrs, err := d.attributes(ext)
	if err != nil {
		return err
	}
	if wantManifest {
		d.sawManifest = true
		d.manifestAttrs(attrs)
	} else {
		d.info.MinSDK = sdkValue(find(attrs, attrMinSdk, "minSdkVersion"))
		d.info.TargetSDK = sdkValue(find(attrs, attrTargetSdk, "targetSdkVersion"))
	}
	return nil
}

func (d *axml) attributes(ext []byte) ([]attribute, error) {
	le := binary.LittleEndian
	start, size, count := int(le.Uint16(ext[8:])), int(le.Uint16(ext[10:])), int(le.Uint16(ext[12:]))
	if size < 20 || start+size*count > len(ext) {
		return nil, axmlErr("attributes are out of bounds")
	}
	out := make([]attribute, 0, count)
	for i := 0; i < count; i++ {
		a := ext[start+i*size:]
		nameIdx := le.Uint32(a[4:])
		name, err := d.str(nameIdx)
		if err != nil {
			return nil, err
		}
		at := attribute{name: name, resID: d.resID(nameIdx), typ: a[15], data: le.Uint32(a[16:])}
		if raw := le.Uint32(a[8:]); raw != 0xffffffff {
			if at.raw, err = d.str(raw); err != nil {
				return nil, err
			}
		}
		out = append(out, at)
	}
	return out, nil
}

// resID is the resource ID the resource map gives string i, 0 if none.
func (d *axml) resID(i uint32) uint32 {
	if uint64(i)*4+4 > uint64(len(d.resIDs)) {
		return 0
	}
	return binary.LittleEndian.Uint32(d.resIDs[4*i:])
}

func find(attrs []attribute, resID uint32, name string) *attribute {
	for i := range attrs {
		if attrs[i].resID == resID {
			return &attrs[i]
		}
	}
	for i := range attrs {
		if attrs[i].resID == 0 && attrs[i].name == name {
			return &attrs[i]
		}
	}
	return nil
}

func (d *axml) manifestAttrs(attrs []attribute) {
	for _, a := range attrs {
		if a.name == "package" && a.resID == 0 {
			d.info.Package = a.text(d)
		}
	}
	d.info.VersionName = find(attrs, attrVersionName, "versionName").text(d)
	d.minor = int64(uint32(find(attrs, attrVersionCode, "versionCode").integer()))
	d.major = int64(uint32(find(attrs, attrVersionCodeMajor, "versionCodeMajor").integer()) & 0x7fffffff)
}

// text is the attribute's string value ("" when absent).
func (a *attribute) text(d *axml) string {
	if a == nil {
		return ""
	}
	if a.typ == typeString && a.raw == "" {
		s, _ := d.str(a.data)
		return s
	}
	return a.raw
}

// integer is the attribute's integer value, parsing a string value if needed.
func (a *attribute) integer() int64 {
	if a == nil {
		return 0
	}
	if a.typ == typeIntDec || a.typ == typeIntHex {
		return int64(int32(a.data))
	}
	v, err := strconv.ParseInt(a.raw, 0, 64)
	if err != nil {
		return 0
	}
	return v
}

// sdkValue is a positive SDK level, 0 for a codename or absence.
func sdkValue(a *attribute) int {
	if v := a.integer(); v > 0 && v < 1<<31 {
		return int(v)
	}
	return 0
}
