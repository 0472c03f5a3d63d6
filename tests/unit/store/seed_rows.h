// Rows as the seeds wrote them (hex SHA-256(salt || password)), for the migration tests.
#pragma once

#include <string>

#include "common/bytes.h"
#include "store/account_store.h"

namespace sc::store::test {

// The salt of the seeds' dump.
extern const Bytes kSeedSalt;

// What the seeds stored: hex(SHA-256(salt || password)).
std::string seed_hash_hex(const Bytes& salt, const std::string& password);
// An INSERT of a seed-style row with kSeedSalt.
std::string seed_row(const std::string& email, const std::string& username,
                     const std::string& password);
// A seed user logs in with the old password once; the hash becomes Argon2id.
void expect_seed_user_upgrades(AccountStore& store, const std::string& username,
                               const std::string& password);

}  // namespace sc::store::test
