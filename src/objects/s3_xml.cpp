#include "objects/s3_xml.h"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <charconv>
#include <memory>

namespace hotpath::objects::s3xml {
namespace {

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

Result<Doc> Parse(std::string_view xml) {
  xmlDoc* doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "s3.xml", nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == nullptr || xmlDocGetRootElement(doc) == nullptr) {
    if (doc) xmlFreeDoc(doc);
    return Error::Unavailable("s3: the answer is not XML");
  }
  return Doc(doc);
}

bool Named(const xmlNode* n, std::string_view name) {
  return n->type == XML_ELEMENT_NODE && name == reinterpret_cast<const char*>(n->name);
}

const xmlNode* Child(const xmlNode* parent, std::string_view name) {
  for (const xmlNode* c = parent->children; c; c = c->next) {
    if (Named(c, name)) return c;
  }
  return nullptr;
}

std::string Text(const xmlNode* n) {
  if (n == nullptr) return "";
  xmlChar* content = xmlNodeGetContent(n);
  std::string out = content ? reinterpret_cast<const char*>(content) : "";
  xmlFree(content);
  return out;
}

std::string StripQuotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

Result<ListPage> ParseListObjectsV2(std::string_view xml) {
  HP_ASSIGN(auto doc, Parse(xml));
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!Named(root, "ListBucketResult")) return Error::Unavailable("s3: unexpected listing document");
  ListPage page;
  for (const xmlNode* c = root->children; c; c = c->next) {
    if (!Named(c, "Contents")) continue;
    ObjectInfo info;
    info.key = Text(Child(c, "Key"));
    std::string size = Text(Child(c, "Size"));
    auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), info.size);
    if (info.key.empty() || ec != std::errc() || p != size.data() + size.size())
      return Error::Unavailable("s3: listing entry without key or size");
    info.etag = StripQuotes(Text(Child(c, "ETag")));
    page.objects.push_back(std::move(info));
  }
  if (Text(Child(root, "IsTruncated")) == "true") {
    std::string token = Text(Child(root, "NextContinuationToken"));
    if (token.empty()) return Error::Unavailable("s3: truncated listing without a continuation token");
    page.next_token = token;
  }
  return page;
}

Result<std::string> ParseUploadId(std::string_view xml) {
  HP_ASSIGN(auto doc, Parse(xml));
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  std::string id = Named(root, "InitiateMultipartUploadResult") ? Text(Child(root, "UploadId")) : "";
  if (id.empty()) return Error::Unavailable("s3: multipart upload not initiated (no UploadId)");
  return id;
}

std::string ErrorSummary(std::string_view xml) {
  auto doc = Parse(xml);
  if (!doc.ok()) return "";
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!Named(root, "Error")) return "";
  return fmt::format("{}: {}", Text(Child(root, "Code")), Text(Child(root, "Message")));
}

std::string CompleteMultipartBody(const std::vector<std::string>& etags) {
  std::string out = "<CompleteMultipartUpload>";
  for (std::size_t i = 0; i < etags.size(); ++i) {
    // ETags are hex digests in quotes: nothing to escape but the quotes themselves.
    std::string etag;
    for (char ch : etags[i]) etag += ch == '"' ? std::string("&quot;") : std::string(1, ch);
    out += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", i + 1, etag);
  }
  return out + "</CompleteMultipartUpload>";
}

}  // namespace hotpath::objects::s3xml
