#include "server/expiry_sweep.h"

#include <chrono>

#include "server/log.h"
#include "server/server_context.h"

namespace sc::server {

void delete_expired_envelopes(ServerContext& ctx) {
    using Swept = store::StoreResult<std::size_t>;
    const auto now_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(ctx.clock->now().time_since_epoch())
            .count());
    bool queued = ctx.queries.submit<Swept>(
        ctx.io.get_executor(), [&ctx, now_ms] { return ctx.store->expire_envelopes(now_ms); },
        [](Swept swept) {
            if (!swept) {
                log::event(log::Level::warn, "expired_envelopes_kept",
                           {{"reason", swept.error().message + "; the next sweep tries again"}});
            } else if (*swept > 0) {
                // A count only: the recipients and senders stay out of the log.
                log::event(log::Level::info, "expired_envelopes_deleted",
                           {{"envelopes", std::to_string(*swept)}});
            }
        });
    if (!queued) {
        log::event(log::Level::warn, "expired_envelopes_kept",
                   {{"reason", "the query workers are busy; the next sweep tries again"}});
    }
}

}  // namespace sc::server
