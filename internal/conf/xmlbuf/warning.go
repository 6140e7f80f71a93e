package xmlbuf

// SaveWarning is the comment libvirt puts on top of every XML file it
// saves (virXMLSaveFile's virXMLEmitWarning): editCommand is the virsh
// command that edits the object ("edit", "net-edit", "nwfilter-edit").
func SaveWarning(editCommand, name string) string {
	return "<!--\n" +
		"WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n" +
		"OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n" +
		"  virsh " + editCommand + " " + name + "\n" +
		"or other application using the libvirt API.\n" +
		"-->\n\n"
}
