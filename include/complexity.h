/* complexity: how hard is the task a user message asks for?
 *
 * Public API of the complexity library. One umbrella header; each concern has
 * its own header under complexity/. Conventions, everywhere:
 *  - Functions return CX_OK (0) or a negative cx_status code. When they take a
 *    `cx_error *err`, a failure also fills it with a message that names the
 *    file, line or field at fault; err may be NULL.
 *  - Opaque handles come in cx_thing_open / cx_thing_free pairs; freeing NULL
 *    does nothing.
 *  - The library never prints, never exits, never aborts on bad data.
 *  - Ownership of every returned pointer is stated next to the function.
 */
#ifndef COMPLEXITY_H
#define COMPLEXITY_H

#include "complexity/common.h"
#include "complexity/fileio.h"
#include "complexity/labels.h"
#include "complexity/dataset.h"
#include "complexity/tokenizer.h"
#include "complexity/model.h"
#include "complexity/generate.h"
#include "complexity/stats.h"
#include "complexity/metrics.h"
#include "complexity/evaluate.h"
#include "complexity/hub.h"
#include "complexity/train.h"
#include "complexity/classifier.h"
#include "complexity/estimator.h"
#include "complexity/serve.h"
#include "complexity/onnx_export.h"
#include "complexity/calibrate.h"
#include "complexity/batch.h"
#include "complexity/engine.h"

#endif
