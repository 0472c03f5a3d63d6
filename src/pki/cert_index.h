// The CA's record of every certificate it issued, in OpenSSL's index.txt format, so operators'
// existing tools (`openssl ca`, scripts) can read it:
//   status \t expiry \t revocation-date \t serial-hex \t file \t subject
// status is V (valid) or R (revoked); times are ASN.1 strings ("261123140921Z").
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "pki/certificate.h"
#include "pki/time_text.h"

namespace sc::pki {

struct IndexEntry {
    char status = 'V';
    std::string expiry;
    std::string revoked_at;
    std::string serial_hex;
    std::string file;
    std::string subject;

    bool revoked() const { return status == 'R'; }
};

class CertIndex {
  public:
    static Result<CertIndex> parse(std::string_view text);
    // A missing file is an empty index (a new CA has issued nothing).
    static Result<CertIndex> load(const std::filesystem::path& path);
    std::string serialize() const;
    Status save(const std::filesystem::path& path) const;

    void add_issued(const Certificate& cert, const std::string& file);
    IndexEntry* find(std::string_view serial_hex);
    const std::vector<IndexEntry>& entries() const { return entries_; }
    void mark_revoked(IndexEntry& entry, TimePoint when);
    void add_revoked(const Certificate& cert, TimePoint when);

  private:
    std::vector<IndexEntry> entries_;
};

// The time in an index field, or nullopt when it is not an ASN.1 time string.
std::optional<TimePoint> parse_index_time(const std::string& text);

}  // namespace sc::pki
