package cmdutil

// TimeLayout is how messages show a time to a person: local, with the zone,
// as `users list` shows it on a terminal.
const TimeLayout = "2006-01-02 15:04 MST"
