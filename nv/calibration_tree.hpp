// The storage/stream tree that XQCN (XML) and QCN (OLE2) both serialise, and its mapping to the
// Calibration model. Keeping the tree separate lets both codecs share every structural check.
#pragma once
#include <string>
#include <vector>

#include "nv/calibration.hpp"

namespace cr::nv {

struct QcnNode {
    std::string name;
    bool is_storage = false;
    Bytes value;                    // streams only
    std::vector<QcnNode> children;  // storages only, in file order
};

// Root storage named cal.source_name with <model id>/default/... and File_Version (QPST order).
QcnNode calibration_to_tree(const Calibration& cal);
// Throws DecodeError naming the path of the first unknown, missing or malformed node.
Calibration calibration_from_tree(const QcnNode& root);

}  // namespace cr::nv
