#include "server/disabled_sweep.h"

#include "server/connection.h"
#include "server/log.h"
#include "server/server_context.h"

namespace sc::server {

void close_sessions_of_disabled_accounts(ServerContext& ctx) {
    auto users = ctx.logged_in.users();  // at most one per connection
    if (users.empty()) {
        return;
    }
    using Disabled = std::vector<std::string>;
    bool queued = ctx.queries.submit<Disabled>(
        ctx.io.get_executor(),
        [&ctx, users = std::move(users)] {
            Disabled disabled;
            std::size_t unchecked = 0;
            for (const auto& user : users) {
                auto found = ctx.store->find_account(user);
                if (!found) {
                    ++unchecked;
                }
                if (found && *found && (*found)->disabled) {
                    disabled.push_back((*found)->username);
                }
            }
            if (unchecked > 0) {
                log::event(log::Level::warn, "disabled_sessions_unchecked",
                           {{"accounts", std::to_string(unchecked)},
                            {"reason",
                             "the account store did not answer; the next reload "
                             "checks again"}});
            }
            return disabled;
        },
        [&ctx](Disabled disabled) {
            for (const auto& user : disabled) {
                auto sessions = ctx.logged_in.sweep(user, proto::ErrorCode::account_disabled);
                log::event(log::Level::info, "disabled_sessions_closed",
                           {{"user", user}, {"sessions", std::to_string(sessions.size())}});
                for (auto& c : sessions) {
                    c->end_for(proto::ErrorCode::account_disabled,
                               "an administrator disabled this account");
                }
            }
        });
    if (!queued) {
        log::event(log::Level::warn, "disabled_sessions_unchecked",
                   {{"reason", "the query workers are busy; the next reload checks again"}});
    }
}

}  // namespace sc::server
