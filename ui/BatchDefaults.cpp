#include "BatchDefaults.h"

#include <QSettings>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace BatchDefaults {

BatchSettings load()
{
    QSettings settings;
    BatchSettings defaults;
    defaults.concurrency = settings.value(u"batch/concurrency"_s, defaults.concurrency).toInt();
    defaults.perHost = settings.value(u"batch/perHost"_s, defaults.perHost).toInt();
    defaults.limitRate = settings.value(u"batch/limitRate"_s, defaults.limitRate).toLongLong();
    defaults.timeoutMs = settings.value(u"batch/timeoutMs"_s, defaults.timeoutMs).toInt();
    defaults.retries = settings.value(u"batch/retries"_s, defaults.retries).toInt();
    defaults.idleTimeoutMs = settings.value(u"batch/idleTimeoutMs"_s, defaults.idleTimeoutMs).toInt();
    defaults.outputDir = settings.value(u"batch/outputDir"_s).toString();
    defaults.overwrite = settings.value(u"batch/overwrite"_s, false).toBool();
    return defaults;
}

void save(const BatchSettings &settings)
{
    QSettings stored;
    stored.setValue(u"batch/concurrency"_s, settings.concurrency);
    stored.setValue(u"batch/perHost"_s, settings.perHost);
    stored.setValue(u"batch/limitRate"_s, settings.limitRate);
    stored.setValue(u"batch/timeoutMs"_s, settings.timeoutMs);
    stored.setValue(u"batch/retries"_s, settings.retries);
    stored.setValue(u"batch/idleTimeoutMs"_s, settings.idleTimeoutMs);
    stored.setValue(u"batch/outputDir"_s, settings.outputDir);
    stored.setValue(u"batch/overwrite"_s, settings.overwrite);
}

} // namespace BatchDefaults

} // namespace loopscope
