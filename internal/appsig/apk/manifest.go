package apk

import (
	"bytes"
	"encoding/xml"
	"strconv"

	"github.com/avast/apkparser"

	"github.com/approov-cli/approov/internal/fault"
)

// MaxManifestSize bounds the binary AndroidManifest.xml read into memory.
const MaxManifestSize = 8 << 20

// ManifestInfo is what the measurement takes from AndroidManifest.xml.
type ManifestInfo struct {
	Package     string
	VersionCode int64 // versionCodeMajor<<32 | versionCode
	VersionName string
	MinSDK      int // 0 when absent or a codename
	TargetSDK   int
}

// DecodeManifest decodes a binary (AXML) AndroidManifest.xml with
// avast/apkparser, which mimics the platform's tolerance. A panic inside the
// decoder becomes an Invalid error.
func DecodeManifest(b []byte) (info *ManifestInfo, err error) {
	if len(b) > MaxManifestSize {
		return nil, fault.New(fault.Invalid, "AndroidManifest.xml: %d bytes exceed the limit of %d", len(b), MaxManifestSize)
	}
	defer func() {
		if r := recover(); r != nil {
			info, err = nil, fault.New(fault.Invalid, "AndroidManifest.xml: malformed binary XML")
		}
	}()
	enc := &manifestEncoder{}
	if err := apkparser.ParseXml(bytes.NewReader(b), enc, nil); err != nil && err != apkparser.ErrEndParsing {
		return nil, fault.New(fault.Invalid, "AndroidManifest.xml: %v", err)
	}
	if !enc.sawManifest {
		return nil, fault.New(fault.Invalid, "AndroidManifest.xml: no <manifest> root element")
	}
	enc.info.VersionCode = enc.major<<32 | enc.minor
	return &enc.info, nil
}

// manifestEncoder receives the decoded XML tokens and keeps the attributes
// of <manifest> and its direct <uses-sdk> child.
type manifestEncoder struct {
	depth        int
	sawManifest  bool
	info         ManifestInfo
	major, minor int64
}

func (e *manifestEncoder) EncodeToken(t xml.Token) error {
	switch t := t.(type) {
	case xml.StartElement:
		e.depth++
		switch {
		case e.depth == 1 && t.Name.Local == "manifest":
			e.sawManifest = true
			e.manifestAttrs(t.Attr)
		case e.depth == 2 && e.sawManifest && t.Name.Local == "uses-sdk":
			e.info.MinSDK = attrInt(t.Attr, "minSdkVersion")
			e.info.TargetSDK = attrInt(t.Attr, "targetSdkVersion")
		}
	case xml.EndElement:
		e.depth--
		if e.depth == 0 && e.sawManifest {
			return apkparser.ErrEndParsing
		}
	}
	return nil
}

func (e *manifestEncoder) manifestAttrs(attrs []xml.Attr) {
	for _, a := range attrs {
		switch a.Name.Local {
		case "package":
			e.info.Package = a.Value
		case "versionName":
			e.info.VersionName = a.Value
		case "versionCode":
			v, _ := strconv.ParseUint(a.Value, 0, 32)
			e.minor = int64(v)
		case "versionCodeMajor":
			v, _ := strconv.ParseUint(a.Value, 0, 31)
			e.major = int64(v)
		}
	}
}

func attrInt(attrs []xml.Attr, name string) int {
	for _, a := range attrs {
		if a.Name.Local == name {
			v, err := strconv.ParseInt(a.Value, 10, 32)
			if err == nil && v > 0 {
				return int(v)
			}
		}
	}
	return 0
}

func (e *manifestEncoder) Flush() error { return nil }
