#include "src/workflows/diagnose/diagnose_evidence.hpp"

namespace cr::workflows {

std::vector<Evidence> pick_evidence(const Observation& o,
                                    std::initializer_list<std::string_view> queries) {
    std::vector<Evidence> out;
    for (const auto& e : o.transcript)
        for (auto q : queries)
            if (e.query == q) out.push_back(e);
    return out;
}

}  // namespace cr::workflows
