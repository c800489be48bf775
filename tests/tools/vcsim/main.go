// vcsim: govmomi's vCenter simulator for cordon's tests, and the few
// vCenter-side actions the tests take (what an administrator would do in
// the vSphere client), through govmomi's real client.
//
//	vcsim serve -addr 127.0.0.1:0 -user U -password-file F -vms N -pg N -dir D
//	    writes D/url (https://127.0.0.1:PORT/sdk) and D/cert.pem, runs until killed
//	vcsim ACTION -url URL -user U -password-file F -insecure ARGS...
//	    vm-create NAME IP | vm-destroy NAME | vm-ip NAME IP | vm-power NAME on|off
//	    tag NAME CATEGORY TAG | untag NAME CATEGORY TAG | vm-tags NAME | vm-net NAME
//
// Built offline with Debian's golang-go and golang-github-vmware-govmomi-dev
// (GOPATH mode, /usr/share/gocode).
package main

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vapi/rest"
	_ "github.com/vmware/govmomi/vapi/simulator"
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func die(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "vcsim: "+f+"\n", a...)
	os.Exit(1)
}

func password(file string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		die("%v", err)
	}
	return strings.TrimRight(string(b), "\r\n")
}

func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	user := fs.String("user", "cordon", "user name")
	pwf := fs.String("password-file", "", "password file")
	vms := fs.Int("vms", 4, "virtual machines (about)")
	pgs := fs.Int("pg", 2, "distributed port groups")
	dir := fs.String("dir", ".", "where url and cert.pem go")
	fs.Parse(args)

	model := simulator.VPX()
	model.Portgroup = *pgs
	// VMs are made per resource pool: one standalone host and one cluster
	per := (*vms + 1) / 2
	if per < 1 {
		per = 1
	}
	model.Machine = per
	if err := model.Create(); err != nil {
		die("create: %v", err)
	}
	defer model.Remove()
	model.Service.TLS = new(tls.Config)
	u := &url.URL{Host: *addr}
	if *pwf != "" {
		u.User = url.UserPassword(*user, password(*pwf))
	}
	model.Service.Listen = u
	model.Service.RegisterEndpoints = true
	s := model.Service.NewServer()
	defer s.Close()

	cert := s.Certificate()
	pemb := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	if err := os.WriteFile(filepath.Join(*dir, "cert.pem"), pemb, 0644); err != nil {
		die("%v", err)
	}
	su := *s.URL
	su.User = nil
	if err := os.WriteFile(filepath.Join(*dir, "url.tmp"), []byte(su.String()+"\n"), 0644); err != nil {
		die("%v", err)
	}
	os.Rename(filepath.Join(*dir, "url.tmp"), filepath.Join(*dir, "url"))
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
	<-c
}

type client struct {
	ctx  context.Context
	c    *govmomi.Client
	find *find.Finder
	u    *url.URL
}

func connect(args []string) (*client, []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	raw := fs.String("url", "", "https://HOST/sdk")
	user := fs.String("user", "cordon", "user name")
	pwf := fs.String("password-file", "", "password file")
	fs.Parse(args)
	u, err := url.Parse(*raw)
	if err != nil {
		die("%v", err)
	}
	u.User = url.UserPassword(*user, password(*pwf))
	ctx := context.Background()
	c, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		die("login: %v", err)
	}
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		die("%v", err)
	}
	f.SetDatacenter(dc)
	return &client{ctx, c, f, u}, fs.Args()
}

func (c *client) vm(name string) *object.VirtualMachine {
	vm, err := c.find.VirtualMachine(c.ctx, name)
	if err != nil {
		die("%v", err)
	}
	return vm
}

func (c *client) wait(t *object.Task, err error) {
	if err != nil {
		die("%v", err)
	}
	if err := t.Wait(c.ctx); err != nil {
		die("%v", err)
	}
}

func (c *client) setIP(vm *object.VirtualMachine, ip string) {
	spec := types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{
		&types.OptionValue{Key: "SET.guest.ipAddress", Value: ip}}}
	c.wait(vm.Reconfigure(c.ctx, spec))
}

func (c *client) tagging() *tags.Manager {
	rc := rest.NewClient(c.c.Client)
	if err := rc.Login(c.ctx, c.u.User); err != nil {
		die("rest login: %v", err)
	}
	return tags.NewManager(rc)
}

func (c *client) tagID(m *tags.Manager, cat, tag string) string {
	cid := ""
	if cc, err := m.GetCategory(c.ctx, cat); err == nil {
		cid = cc.ID
	} else {
		id, err := m.CreateCategory(c.ctx, &tags.Category{Name: cat, Cardinality: "MULTIPLE",
			AssociableTypes: []string{"VirtualMachine"}})
		if err != nil {
			die("category: %v", err)
		}
		cid = id
	}
	if t, err := m.GetTagForCategory(c.ctx, tag, cid); err == nil {
		return t.ID
	}
	id, err := m.CreateTag(c.ctx, &tags.Tag{Name: tag, CategoryID: cid})
	if err != nil {
		die("tag: %v", err)
	}
	return id
}

func main() {
	if len(os.Args) < 2 {
		die("usage: vcsim serve|ACTION ...")
	}
	if os.Args[1] == "serve" {
		serve(os.Args[2:])
		return
	}
	c, a := connect(os.Args[2:])
	switch os.Args[1] {
	case "vm-create":
		if len(a) != 2 {
			die("vm-create NAME IP")
		}
		pool, err := c.find.ResourcePool(c.ctx, "DC0_C0/Resources")
		if err != nil {
			die("%v", err)
		}
		dc, err := c.find.DefaultDatacenter(c.ctx)
		if err != nil {
			die("%v", err)
		}
		folders, err := dc.Folders(c.ctx)
		if err != nil {
			die("%v", err)
		}
		nets, err := c.find.NetworkList(c.ctx, "DC0_DVPG0")
		if err != nil {
			die("%v", err)
		}
		backing, err := nets[0].EthernetCardBackingInfo(c.ctx)
		if err != nil {
			die("%v", err)
		}
		dev, err := object.EthernetCardTypes().CreateEthernetCard("vmxnet3", backing)
		if err != nil {
			die("%v", err)
		}
		spec := types.VirtualMachineConfigSpec{Name: a[0], GuestId: "otherLinux64Guest",
			Files: &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"},
			DeviceChange: []types.BaseVirtualDeviceConfigSpec{&types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: dev}}}
		task, err := folders.VmFolder.CreateVM(c.ctx, spec, pool, nil)
		c.wait(task, err)
		vm := c.vm(a[0])
		c.wait(vm.PowerOn(c.ctx))
		c.setIP(vm, a[1])
	case "vm-destroy":
		vm := c.vm(a[0])
		if t, err := vm.PowerOff(c.ctx); err == nil {
			t.Wait(c.ctx)
		}
		c.wait(vm.Destroy(c.ctx))
	case "vm-ip":
		c.setIP(c.vm(a[0]), a[1])
	case "vm-power":
		vm := c.vm(a[0])
		if a[1] == "on" {
			c.wait(vm.PowerOn(c.ctx))
		} else {
			c.wait(vm.PowerOff(c.ctx))
		}
	case "tag", "untag":
		if len(a) != 3 {
			die("%s NAME CATEGORY TAG", os.Args[1])
		}
		m := c.tagging()
		id := c.tagID(m, a[1], a[2])
		vm := c.vm(a[0])
		var err error
		if os.Args[1] == "tag" {
			err = m.AttachTag(c.ctx, id, vm.Reference())
		} else {
			err = m.DetachTag(c.ctx, id, vm.Reference())
		}
		if err != nil {
			die("%v", err)
		}
	case "vm-tags":
		// the VM's tags, CATEGORY=TAG, one per line
		m := c.tagging()
		ts, err := m.GetAttachedTags(c.ctx, c.vm(a[0]).Reference())
		if err != nil {
			die("%v", err)
		}
		for _, t := range ts {
			cat, err := m.GetCategory(c.ctx, t.CategoryID)
			if err != nil {
				die("%v", err)
			}
			fmt.Printf("%s=%s\n", cat.Name, t.Name)
		}
	case "vm-net":
		// the port group of each vNIC, one per line
		vm := c.vm(a[0])
		var o mo.VirtualMachine
		if err := vm.Properties(c.ctx, vm.Reference(), []string{"config.hardware.device"}, &o); err != nil {
			die("%v", err)
		}
		for _, d := range o.Config.Hardware.Device {
			nic, ok := d.(types.BaseVirtualEthernetCard)
			if !ok {
				continue
			}
			switch b := nic.GetVirtualEthernetCard().Backing.(type) {
			case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
				pg := object.NewDistributedVirtualPortgroup(c.c.Client,
					types.ManagedObjectReference{Type: "DistributedVirtualPortgroup", Value: b.Port.PortgroupKey})
				var p mo.DistributedVirtualPortgroup
				if err := pg.Properties(c.ctx, pg.Reference(), []string{"name"}, &p); err != nil {
					die("%v", err)
				}
				fmt.Println(p.Name)
			case *types.VirtualEthernetCardNetworkBackingInfo:
				fmt.Println(b.DeviceName)
			}
		}
	default:
		die("unknown action %s", os.Args[1])
	}
}
