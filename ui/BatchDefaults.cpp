#include "BatchDefaults.h"

#include <QSettings>

using namespace loopscope;

namespace BatchDefaults {

BatchSettings load()
{
    QSettings settings;
    BatchSettings defaults;
    defaults.concurrency = settings.value(u"batch/concurrency"_qs, defaults.concurrency).toInt();
    defaults.perHost = settings.value(u"batch/perHost"_qs, defaults.perHost).toInt();
    defaults.timeoutMs = settings.value(u"batch/timeoutMs"_qs, defaults.timeoutMs).toInt();
    defaults.retries = settings.value(u"batch/retries"_qs, defaults.retries).toInt();
    defaults.idleTimeoutMs = settings.value(u"batch/idleTimeoutMs"_qs, defaults.idleTimeoutMs).toInt();
    defaults.outputDir = settings.value(u"batch/outputDir"_qs).toString();
    defaults.overwrite = settings.value(u"batch/overwrite"_qs, false).toBool();
    return defaults;
}

void save(const BatchSettings &settings)
{
    QSettings stored;
    stored.setValue(u"batch/concurrency"_qs, settings.concurrency);
    stored.setValue(u"batch/perHost"_qs, settings.perHost);
    stored.setValue(u"batch/timeoutMs"_qs, settings.timeoutMs);
    stored.setValue(u"batch/retries"_qs, settings.retries);
    stored.setValue(u"batch/idleTimeoutMs"_qs, settings.idleTimeoutMs);
    stored.setValue(u"batch/outputDir"_qs, settings.outputDir);
    stored.setValue(u"batch/overwrite"_qs, settings.overwrite);
}

} // namespace BatchDefaults
