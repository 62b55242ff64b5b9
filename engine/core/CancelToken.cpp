#include "CancelToken.h"

namespace loopscope {

void CancelToken::cancel(CancelReason reason)
{
    if (isCancelled() || reason == CancelReason::None)
        return;
    m_reason = reason;
    Q_EMIT cancelled();
}

} // namespace loopscope
