package registration

import (
	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/appmeasure"
	"github.com/approov-cli/approov/internal/appsig"
)

// measurementOf is what registration sends of a verified record
// (internal/appmeasure: the same as an attesting app reports).
func measurementOf(rec *appsig.Record) api.Measurement { return appmeasure.FromRecord(rec) }
