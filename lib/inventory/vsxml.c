/* vsxml.c - walking vim25 answers and escaping text (see vsxml.h). */
#include "inventory/vsxml.h"
#include "inventory/vsphere.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

/* ---- XML ---- */

bool cd_vsx_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

xmlNode *cd_vsx_child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (cd_vsx_is(c, name))
			return c;
	return NULL;
}

xmlNode *cd_vsx_next_el(xmlNode *c, const char *name)
{
	for (c = c ? c->next : NULL; c; c = c->next)
		if (cd_vsx_is(c, name))
			return c;
	return NULL;
}

xmlNode *cd_vsx_first_el(const xmlNode *n)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

/* The text of n (a new string, "" when empty). */
char *cd_vsx_text(const xmlNode *n)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	char *r = cd_strdup(t ? (const char *)t : "");
	xmlFree(t);
	return r;
}

json_t *cd_vsx_jtext(const xmlNode *n)
{
	char *t = cd_vsx_text(n);
	json_t *j = json_string(t);
	free(t);
	return j ? j : json_string("");   /* not UTF-8: libxml2 already said so */
}

char *cd_vsx_xsi_type(const xmlNode *n)
{
	xmlChar *v = xmlGetNsProp(n, (const xmlChar *)"type", (const xmlChar *)CD_VSX_XSI);
	char *r = cd_strdup(v ? (const char *)v : "");
	xmlFree(v);
	return r;
}

/* Text escaped for an XML element or attribute. */
char *cd_vsx_esc(const char *s)
{
	struct cd_buf b;
	cd_buf_init(&b, 6 * strlen(s) + 1);   /* "&quot;" for '"' at most */
	cd_buf_puts(&b, "");
	for (; *s; s++)
		switch (*s) {
		case '&': cd_buf_puts(&b, "&amp;"); break;
		case '<': cd_buf_puts(&b, "&lt;"); break;
		case '>': cd_buf_puts(&b, "&gt;"); break;
		case '"': cd_buf_puts(&b, "&quot;"); break;
		case '\'': cd_buf_puts(&b, "&apos;"); break;
		default:           /* (never full: 6 bytes a byte) */
			if (cd_buf_add(&b, s, 1) < 0)
				break;
		}
	char *r = cd_buf_steal(&b);
	return r ? r : cd_strdup("");
}

/* The children of n serialized (what goes back inside an edited device),
 * with the XML Schema instance prefix spelled xsi, as our envelopes
 * declare it (servers may use another: govmomi's is XMLSchema-instance). */
char *cd_vsx_inner_xml(xmlDoc *doc, xmlNode *n)
{
	xmlBuffer *b = xmlBufferCreate();
	for (xmlNode *c = n->children; c; c = c->next)
		xmlNodeDump(b, doc, c, 0, 0);
	const char *raw = (const char *)xmlBufferContent(b);
	xmlNs *ns = xmlSearchNsByHref(doc, n, (const xmlChar *)CD_VSX_XSI);
	char *r;
	if (ns && ns->prefix && strcmp((const char *)ns->prefix, "xsi")) {
		char *from = cd_asprintf("%s:type=\"", (const char *)ns->prefix);
		/* "xsi" for a prefix of one letter or more: at most 2 bytes
		 * more for every 8 */
		struct cd_buf o;
		cd_buf_init(&o, 2 * strlen(raw) + 1);
		cd_buf_puts(&o, "");
		for (const char *p = raw, *hit; *p; p = hit + strlen(from)) {
			hit = strstr(p, from);
			if (!hit) {
				cd_buf_puts(&o, p);
				break;
			}
			if (cd_buf_add(&o, p, (size_t)(hit - p)) < 0)  /* (never full) */
				break;
			cd_buf_puts(&o, "xsi:type=\"");
		}
		free(from);
		r = cd_buf_steal(&o);
	} else {
		r = cd_strdup(raw);
	}
	xmlBufferFree(b);
	return r ? r : cd_strdup("");
}

xmlDoc *cd_vsx_parse(const char *xml, size_t len)
{
	if (len > CD_VSPHERE_BODY_MAX || len > 0x7fffffff)
		return NULL;
	return xmlReadMemory(xml, (int)len, "vsphere.xml", NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			     XML_PARSE_HUGE);
}

