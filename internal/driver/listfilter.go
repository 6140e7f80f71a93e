package driver

// MatchesFilterPair is libvirt's MATCH of one yes/no pair of a
// virConnectListAll* filter (ACTIVE/INACTIVE, PERSISTENT/TRANSIENT, …):
// with neither flag or both set every object passes; otherwise the
// object's property has must be the one asked for.
func MatchesFilterPair(flags, yes, no uint32, has bool) bool {
	if flags&(yes|no) == 0 {
		return true
	}
	return has && flags&yes != 0 || !has && flags&no != 0
}
