#include "src/workflows/session/diag_session.hpp"

namespace cr::workflows {

DiagSession::DiagSession(Device& device, diag::DiagOptions options)
    : port_(device.open_diag()),
      diag_(std::make_unique<diag::DiagClient>(*port_, options)),
      nv_(std::make_unique<diag::NvClient>(*diag_)),
      efs_(std::make_unique<diag::Efs2Client>(*diag_)) {}

DiagSession::~DiagSession() {
    close();
}

void DiagSession::close() {
    if (port_) port_->close();
}

}  // namespace cr::workflows
