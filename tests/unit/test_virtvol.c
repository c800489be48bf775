/* test_virtvol.c - the disks a domain references (inventory/virtvol.h):
 * files, block devices, pool volumes, a running domain's backing chain,
 * a mirror, firmware files; and the pool volumes no domain uses, a used
 * image's backing file being used too. */
#include <errno.h>
#include <string.h>

#include "inventory/virtvol.h"
#include "test.h"

TEST(virtvol_domain_refs)
{
	static const char xml[] =
		"<domain type='kvm'><name>a</name><os><type>hvm</type>"
		"<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>"
		"<nvram>/var/lib/libvirt/qemu/nvram/a_VARS.fd</nvram></os><devices>"
		"<disk type='file' device='disk'><source file='/pool//a.qcow2'/>"
		"<backingStore type='file'><format type='qcow2'/><source file='/pool/base.qcow2'/>"
		"<backingStore type='file'><source file='/pool/golden.raw'/><backingStore/></backingStore>"
		"</backingStore><mirror type='file' file='/pool/copy.qcow2'><source file='/pool/copy.qcow2'/></mirror>"
		"<target dev='vda'/></disk>"
		"<disk type='block' device='disk'><source dev='/dev/vg0/data'/><target dev='vdb'/></disk>"
		"<disk type='volume' device='disk'><source pool='iscsi1' volume='unit:0:0:1'/><target dev='vdc'/></disk>"
		"<disk type='file' device='cdrom'><target dev='hdc'/></disk>"
		"<interface type='network'><source network='default'/></interface>"
		"</devices></domain>";
	json_t *refs = json_object();
	struct cd_buf err;
	cd_buf_init(&err, 256);
	ASSERT_EQ(cd_virtvol_domain_refs(xml, sizeof xml - 1, refs, &err), 0);
	static const char *const want[] = {
		"/pool/a.qcow2", "/pool/base.qcow2", "/pool/golden.raw", "/pool/copy.qcow2",
		"/dev/vg0/data", "pool:iscsi1/unit:0:0:1", "/usr/share/OVMF/OVMF_CODE.fd",
		"/var/lib/libvirt/qemu/nvram/a_VARS.fd",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!json_object_get(refs, want[i]))
			test_fail(__FILE__, __LINE__, "%s is not referenced", want[i]);
	ASSERT_EQ(json_object_size(refs), sizeof want / sizeof want[0]);   /* no network */
	ASSERT_EQ(cd_virtvol_domain_refs("<pool/>", 7, refs, &err), -EINVAL);
	ASSERT_EQ(cd_virtvol_domain_refs("<<", 2, refs, &err), -EINVAL);
	json_decref(refs);
	cd_buf_free(&err);
}

static json_t *vol(const char *pool, const char *name, const char *path, const char *backing,
		   int bytes)
{
	return json_pack("{s:s, s:s, s:s, s:s?, s:i}", "pool", pool, "name", name, "path", path,
			 "backing", backing, "allocation_bytes", bytes);
}

TEST(virtvol_unused_follows_backing_chains)
{
	json_t *vols = json_pack("[o, o, o, o, o, o]",
		vol("p", "a.qcow2", "/pool/a.qcow2", "/pool/base.qcow2", 1),
		vol("p", "base.qcow2", "/pool/base.qcow2", "/pool//golden.raw", 2),
		vol("p", "golden.raw", "/pool/golden.raw", NULL, 4),
		vol("p", "orphan.qcow2", "/pool/orphan.qcow2", "/pool/other-base.qcow2", 8),
		vol("p", "other-base.qcow2", "/pool/other-base.qcow2", NULL, 16),
		vol("iscsi1", "unit:0:0:1", "/dev/disk/by-path/x", NULL, 32));
	/* a defined domain's config names a.qcow2 only (no chain written) */
	json_t *refs = json_pack("{s:b, s:b}", "/pool/a.qcow2", 1, "pool:iscsi1/unit:0:0:1", 1);
	json_t *u = cd_virtvol_unused(vols, refs);
	ASSERT_EQ(json_array_size(u), 2);
	ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(u, 0), "name")), "orphan.qcow2");
	/* the orphan's own backing file is unused too: nothing used reaches it */
	ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(u, 1), "name")), "other-base.qcow2");
	json_decref(u);
	/* nothing referenced: every volume */
	json_t *none = json_object();
	u = cd_virtvol_unused(vols, none);
	ASSERT_EQ(json_array_size(u), 6);
	json_decref(u);
	json_decref(none);
	json_decref(refs);
	json_decref(vols);
}
