#pragma once
// The few S3 XML documents hotpath reads (ListObjectsV2, InitiateMultipartUpload, Error), parsed
// with libxml2 (no network, no entities from outside).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "objects/object_store.h"

namespace hotpath::objects::s3xml {

struct ListPage {
  std::vector<ObjectInfo> objects;
  std::optional<std::string> next_token;  // set when the listing is truncated
};

Result<ListPage> ParseListObjectsV2(std::string_view xml);
Result<std::string> ParseUploadId(std::string_view xml);
// "NoSuchKey: The specified key does not exist." or "" when the body is not an S3 error.
std::string ErrorSummary(std::string_view xml);
// <CompleteMultipartUpload> body for parts 1..n with these ETags (quotes kept as S3 sent them).
std::string CompleteMultipartBody(const std::vector<std::string>& etags);

}  // namespace hotpath::objects::s3xml
