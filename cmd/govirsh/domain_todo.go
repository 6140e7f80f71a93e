package main

// Commands not written yet.
func cmdAttachDevice(c *ctl, cmd *parsedCmd) bool          { return todo(c, cmd) }
func cmdAttachDisk(c *ctl, cmd *parsedCmd) bool            { return todo(c, cmd) }
func cmdAttachInterface(c *ctl, cmd *parsedCmd) bool       { return todo(c, cmd) }
func cmdBlockcommit(c *ctl, cmd *parsedCmd) bool           { return todo(c, cmd) }
func cmdBlockcopy(c *ctl, cmd *parsedCmd) bool             { return todo(c, cmd) }
func cmdBlockjob(c *ctl, cmd *parsedCmd) bool              { return todo(c, cmd) }
func cmdBlockpull(c *ctl, cmd *parsedCmd) bool             { return todo(c, cmd) }
func cmdBlockresize(c *ctl, cmd *parsedCmd) bool           { return todo(c, cmd) }
func cmdChangeMedia(c *ctl, cmd *parsedCmd) bool           { return todo(c, cmd) }
func cmdDetachDevice(c *ctl, cmd *parsedCmd) bool          { return todo(c, cmd) }
func cmdDetachDeviceAlias(c *ctl, cmd *parsedCmd) bool     { return todo(c, cmd) }
func cmdDetachDisk(c *ctl, cmd *parsedCmd) bool            { return todo(c, cmd) }
func cmdDetachInterface(c *ctl, cmd *parsedCmd) bool       { return todo(c, cmd) }
func cmdDomFdAssociate(c *ctl, cmd *parsedCmd) bool        { return todo(c, cmd) }
func cmdDomblkthreshold(c *ctl, cmd *parsedCmd) bool       { return todo(c, cmd) }
func cmdDomdirtyrateCalc(c *ctl, cmd *parsedCmd) bool      { return todo(c, cmd) }
func cmdDomfsfreeze(c *ctl, cmd *parsedCmd) bool           { return todo(c, cmd) }
func cmdDomfsinfo(c *ctl, cmd *parsedCmd) bool             { return todo(c, cmd) }
func cmdDomfsthaw(c *ctl, cmd *parsedCmd) bool             { return todo(c, cmd) }
func cmdDomfstrim(c *ctl, cmd *parsedCmd) bool             { return todo(c, cmd) }
func cmdDomifSetlink(c *ctl, cmd *parsedCmd) bool          { return todo(c, cmd) }
func cmdDomjobabort(c *ctl, cmd *parsedCmd) bool           { return todo(c, cmd) }
func cmdDomjobinfo(c *ctl, cmd *parsedCmd) bool            { return todo(c, cmd) }
func cmdDomlaunchsecinfo(c *ctl, cmd *parsedCmd) bool      { return todo(c, cmd) }
func cmdDomsetlaunchsecstate(c *ctl, cmd *parsedCmd) bool  { return todo(c, cmd) }
func cmdDomxmlFromNative(c *ctl, cmd *parsedCmd) bool      { return todo(c, cmd) }
func cmdDomxmlToNative(c *ctl, cmd *parsedCmd) bool        { return todo(c, cmd) }
func cmdGetUserSshkeys(c *ctl, cmd *parsedCmd) bool        { return todo(c, cmd) }
func cmdGuestAgentTimeout(c *ctl, cmd *parsedCmd) bool     { return todo(c, cmd) }
func cmdGuestinfo(c *ctl, cmd *parsedCmd) bool             { return todo(c, cmd) }
func cmdGuestvcpus(c *ctl, cmd *parsedCmd) bool            { return todo(c, cmd) }
func cmdLxcEnterNamespace(c *ctl, cmd *parsedCmd) bool     { return todo(c, cmd) }
func cmdMigrate(c *ctl, cmd *parsedCmd) bool               { return todo(c, cmd) }
func cmdMigrateCompcache(c *ctl, cmd *parsedCmd) bool      { return todo(c, cmd) }
func cmdMigrateGetmaxdowntime(c *ctl, cmd *parsedCmd) bool { return todo(c, cmd) }
func cmdMigrateGetspeed(c *ctl, cmd *parsedCmd) bool       { return todo(c, cmd) }
func cmdMigratePostcopy(c *ctl, cmd *parsedCmd) bool       { return todo(c, cmd) }
func cmdMigrateSetmaxdowntime(c *ctl, cmd *parsedCmd) bool { return todo(c, cmd) }
func cmdMigrateSetspeed(c *ctl, cmd *parsedCmd) bool       { return todo(c, cmd) }
func cmdQemuAgentCommand(c *ctl, cmd *parsedCmd) bool      { return todo(c, cmd) }
func cmdQemuAttach(c *ctl, cmd *parsedCmd) bool            { return todo(c, cmd) }
func cmdQemuMonitorCommand(c *ctl, cmd *parsedCmd) bool    { return todo(c, cmd) }
func cmdQemuMonitorEvent(c *ctl, cmd *parsedCmd) bool      { return todo(c, cmd) }
func cmdSendKey(c *ctl, cmd *parsedCmd) bool               { return todo(c, cmd) }
func cmdSendProcessSignal(c *ctl, cmd *parsedCmd) bool     { return todo(c, cmd) }
func cmdSetUserPassword(c *ctl, cmd *parsedCmd) bool       { return todo(c, cmd) }
func cmdSetUserSshkeys(c *ctl, cmd *parsedCmd) bool        { return todo(c, cmd) }
func cmdSetvcpu(c *ctl, cmd *parsedCmd) bool               { return todo(c, cmd) }
func cmdUpdateDevice(c *ctl, cmd *parsedCmd) bool          { return todo(c, cmd) }
func cmdUpdateMemoryDevice(c *ctl, cmd *parsedCmd) bool    { return todo(c, cmd) }

func todo(c *ctl, cmd *parsedCmd) bool {
	c.errorf("command %s is not implemented", cmd.def.name)
	return false
}
