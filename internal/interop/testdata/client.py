#!/usr/bin/python3
# A python3-libvirt client run once in process against test:///default and
# once against govirtd: both runs must print the same lines.
#
#   client.py URI SECTION DATADIR
#
# SECTION is one of: basics, lifecycle, errors, screenshot. Every line is
# flushed at once so a run that hangs still shows how far it got. Values
# that differ between two in-process runs (CPU time, the hostname of a
# remote peer) are left out.
import hashlib
import os
import sys
import threading
import time

import libvirt

uri, section, datadir = sys.argv[1], sys.argv[2], sys.argv[3]


def out(*args):
    print(*args, flush=True)


def data(name):
    with open(os.path.join(datadir, name)) as f:
        return f.read()


def err(label, fn):
    """Runs fn and prints its result or the libvirt error it raised."""
    try:
        r = fn()
        out(label, "ok", r if r is not None else "")
    except libvirt.libvirtError as e:
        out(label, "error", e.get_error_code(), e.get_error_domain(), e.get_error_level(), repr(e.get_error_message()))


# libvirt's default event loop in a thread, as the python bindings' docs
# show it.
libvirt.virEventRegisterDefaultImpl()


def loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=loop, daemon=True).start()
libvirt.registerErrorHandler(lambda ctx, e: None, None)  # keep stderr quiet

conn = libvirt.open(uri)


def wait_for(events, n, limit=15.0):  # a loaded machine may hold events back
    deadline = time.time() + limit
    while len(events) < n and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # anything extra shows up now


if section == "basics":
    out("type", conn.getType())
    out("version", conn.getVersion(), "lib", conn.getLibVersion())
    out("uri", conn.getURI())
    out("alive", conn.isAlive(), "secure", conn.isSecure(), "encrypted", conn.isEncrypted())
    out("info", conn.getInfo())
    out("maxvcpus", conn.getMaxVcpus(None))
    out("freemem", conn.getFreeMemory())
    caps = conn.getCapabilities()
    out("capabilities", len(caps), hashlib.sha256(caps.encode()).hexdigest())
    out("sysinfo")
    err("sysinfo", lambda: len(conn.getSysinfo(0)))
    out("domains", sorted(d.name() for d in conn.listAllDomains()))
    out("active", sorted(d.name() for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)))
    out("ids", conn.listDomainsID(), "defined", conn.listDefinedDomains(), "num", conn.numOfDomains(), conn.numOfDefinedDomains())
    d = conn.lookupByName("test")
    out("lookup", d.name(), d.ID(), d.UUIDString(), d.OSType())
    out("byid", conn.lookupByID(d.ID()).name(), "byuuid", conn.lookupByUUIDString(d.UUIDString()).name())
    i = d.info()
    out("dominfo", i[0], i[1], i[2], i[3])
    out("state", d.state(), "active", d.isActive(), "persistent", d.isPersistent(), "updated", d.isUpdated())
    out("autostart", d.autostart(), "maxmem", d.maxMemory(), "maxvcpus", d.maxVcpus())
    out("managedsave", d.hasManagedSaveImage())
    out("vcpus", d.vcpusFlags(0))
    out("xml")
    out(d.XMLDesc(0))
    out("xml inactive")
    out(d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    out("snapshots", d.snapshotNum(0), d.listAllSnapshots())
    err("schedulertype", lambda: d.schedulerType())
    err("blockinfo", lambda: d.blockInfo("vda"))
    err("metadata", lambda: d.metadata(libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, None))
    out("networks", sorted(n.name() for n in conn.listAllNetworks()))
    n = conn.networkLookupByName("default")
    out("network", n.name(), n.UUIDString(), n.isActive(), n.isPersistent(), n.autostart(), n.bridgeName())
    out(n.XMLDesc(0))
    out("pools", sorted(p.name() for p in conn.listAllStoragePools()))
    p = conn.storagePoolLookupByName("default-pool")
    out("pool", p.name(), p.info(), p.isActive(), p.numOfVolumes(), p.listVolumes())
    out(p.XMLDesc(0))
    out("interfaces", sorted(i.name() for i in conn.listAllInterfaces()))
    out("nodedevs", sorted(x.name() for x in conn.listAllDevices()))
    err("secrets", lambda: conn.listSecrets())
    err("nwfilters", lambda: conn.listNWFilters())

elif section == "lifecycle":
    events, legacy, netevents = [], [], []

    def cb(c, dom, event, detail, opaque):
        events.append((dom.name(), event, detail))

    def legacy_cb(c, dom, event, detail, opaque):
        legacy.append((dom.name(), event, detail))

    def net_cb(c, net, event, detail, opaque):
        netevents.append((net.name(), event, detail))

    cid = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
    conn.domainEventRegister(legacy_cb, None)
    nid = conn.networkEventRegisterAny(None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, net_cb, None)

    d = conn.defineXML(data("demo.xml"))
    out("defined", d.name(), d.ID(), d.isActive(), d.isPersistent())
    out(d.XMLDesc(0))
    d.create()
    out("created", d.ID(), d.state())
    d.suspend()
    out("suspended", d.state())
    d.resume()
    out("resumed", d.state())
    d.setAutostart(1)
    out("autostart", d.autostart())
    d.setAutostart(0)
    d.shutdown()
    out("shutdown", d.state(), d.ID())
    d.create()
    d.reboot(0)
    out("rebooted", d.state())
    d.destroy()
    out("destroyed", d.state(), d.ID())
    d.undefine()
    err("lookup after undefine", lambda: conn.lookupByName("interop1"))
    t = conn.createXML(data("transient.xml"), 0)
    out("transient", t.name(), t.ID(), t.isPersistent())
    t.destroy()
    net = conn.networkDefineXML(data("network.xml"))
    net.create()
    out("network", net.name(), net.isActive(), net.bridgeName())
    net.destroy()
    net.undefine()

    wait_for(events, 10)
    wait_for(netevents, 4)
    out("events", events)
    out("legacy", legacy)
    out("netevents", netevents)
    conn.domainEventDeregisterAny(cid)
    conn.domainEventDeregister(legacy_cb)
    conn.networkEventDeregisterAny(nid)

elif section == "errors":
    err("lookup nosuch", lambda: conn.lookupByName("nosuch"))
    err("lookup id", lambda: conn.lookupByID(4711))
    err("lookup uuid", lambda: conn.lookupByUUIDString("0f3a5c2e-8b1d-4e6f-9a27-3c5d7e9f1b99"))
    err("define malformed", lambda: conn.defineXML("<domain type='test'><name>broken"))
    err("define no name", lambda: conn.defineXML("<domain type='test'/>"))
    err("define no os type", lambda: conn.defineXML("<domain type='test'><name>x</name><memory>65536</memory></domain>"))
    err("define bad memory", lambda: conn.defineXML(
        "<domain type='test'><name>x</name><memory>lots</memory><os><type>hvm</type></os></domain>"))
    err("define bad type", lambda: conn.defineXML("<domain type='nosuch'><name>x</name><os><type>hvm</type></os></domain>"))
    d = conn.lookupByName("test")
    err("create running", lambda: d.create())
    err("resume running", lambda: d.resume())
    err("set vcpus too many", lambda: d.setVcpusFlags(4711, 0))
    err("network nosuch", lambda: conn.networkLookupByName("nosuch"))
    err("pool nosuch", lambda: conn.storagePoolLookupByName("nosuch"))
    err("secret nosuch", lambda: conn.secretLookupByUUIDString("0f3a5c2e-8b1d-4e6f-9a27-3c5d7e9f1b99"))
    err("bad flags", lambda: conn.listAllDomains(1 << 30))
    err("migrate", lambda: d.migrateToURI3("test:///default", {}, 0))
    ro = libvirt.openReadOnly(uri)
    out("ro domains", sorted(x.name() for x in ro.listAllDomains()))
    rod = ro.lookupByName("test")
    err("ro define", lambda: ro.defineXML(data("demo.xml")))
    err("ro destroy", lambda: rod.destroy())
    err("ro xml secure", lambda: len(rod.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)))
    err("ro xml", lambda: len(rod.XMLDesc(0)))
    ro.close()
    out("still", sorted(x.name() for x in conn.listAllDomains()))

elif section == "screenshot":
    d = conn.lookupByName("test")
    st = conn.newStream(0)
    mime = d.screenshot(st, 0, 0)
    out("mime", mime)
    chunks = []

    def handler(stream, buf, opaque):
        chunks.append(buf)
        return len(buf)

    st.recvAll(handler, None)
    st.finish()
    png = b"".join(chunks)
    out("screenshot", len(png), png[:8].hex(), hashlib.sha256(png).hexdigest())
    # The connection still serves calls after the stream.
    out("after", d.name(), d.state())

else:
    sys.exit("unknown section " + section)

conn.close()
out("closed")
