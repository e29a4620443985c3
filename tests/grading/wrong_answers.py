"""Plausible wrong answers for every graded solution cell, and the test cells that must catch them.

``WRONG_ANSWERS[lab][solution grade_id] = [(wrong source, [test grade_ids that must fail]), ...]``.

Each wrong answer is what a student could reasonably write, with a one-line comment in the function
it gets wrong saying what is wrong; substituted alone for its solution cell, it must fail every test
cell it names. Every autograded test cell of every lab is named by at least one wrong answer, so
each test is shown to catch a real mistake (``tests/grading/test_course.py`` checks both).
"""

from wrong_lab02_lab03 import LAB02, LAB03
from wrong_lab04 import LAB04
from wrong_lab05 import LAB05
from wrong_lab06 import LAB06
from wrong_lab07 import LAB07

# The correct parts of lab01's training-loop cell, so that each wrong answer holds one mistake.
_LOOP_TRAIN = '''
def train_one_epoch(model, loader, loss_fn, optimizer, device=DEVICE):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(targets)
        count += len(targets)
    return total / count
'''
_LOOP_VALIDATE = '''

def validate(model, loader, loss_fn, device=DEVICE):
    model.eval()
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            outputs = model(inputs)
            total += loss_fn(outputs, targets).item() * len(targets)
            correct += (outputs.argmax(dim=1) == targets).sum().item()
            count += len(targets)
    return total / count, correct / count
'''
_LOOP_MODEL = '''

def train_model(model, train_loader, val_loader, loss_fn, optimizer, epochs, device=DEVICE):
    model.to(device)
    rows, best_loss, best_state = [], float("inf"), None
    for epoch in range(1, epochs + 1):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        val_loss, val_accuracy = validate(model, val_loader, loss_fn, device)
        rows.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                     "val_accuracy": val_accuracy})
        if val_loss < best_loss:
            best_loss, best_state = val_loss, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    model.eval()
    return pd.DataFrame(rows, columns=["epoch", "train_loss", "val_loss", "val_accuracy"])
'''

LAB01 = {
    "prepare_data": [
        ('''
def prepare_data(X, y, val_size=0.2, seed=0):
    # no stratification, scaler fitted on everything
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=val_size, random_state=seed)
    scaler = StandardScaler().fit(X)
    return (scaler.transform(X_train).astype(np.float32), scaler.transform(X_val).astype(np.float32),
            np.asarray(y_train, np.int64), np.asarray(y_val, np.int64), scaler)
''', ["prepare_data_split", "prepare_data_standardise"]),
    ],
    "simple_nn": [
        ('''
class SimpleNN(nn.Module):
    # ReLU before BatchNorm, and a softmax at the end
    def __init__(self, in_features, hidden=(256, 128), num_classes=10, dropout=0.2):
        super().__init__()
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.BatchNorm1d(h), nn.Dropout(dropout)]
            width = h
        layers += [nn.Linear(width, num_classes), nn.Softmax(dim=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
''', ["simple_nn_output", "simple_nn_block_order"]),
    ],
    "evaluate": [
        ('''
def predict_labels(model, X, device=DEVICE, batch_size=256):
    # forgets model.eval()
    with torch.no_grad():
        return model(torch.as_tensor(X, dtype=torch.float32)).argmax(1).numpy().astype(np.int64)


def evaluate(model, X, y, device=DEVICE):
    from sklearn.metrics import accuracy_score, f1_score

    # averages F1 with "micro" (which equals the accuracy) instead of "macro"
    pred = predict_labels(model, X, device)
    return {"accuracy": accuracy_score(y, pred), "f1_macro": f1_score(y, pred, average="micro"),
            "predictions": pred}
''', ["evaluate_matches_sklearn", "predict_labels_eval_mode"]),
    ],
    "write_submission": [
        ('''
def write_submission(image_ids, labels, path):
    # keeps the DataFrame index as an extra column
    pd.DataFrame({"ImageId": image_ids, "Label": labels}).to_csv(path)
    return path
''', ["write_submission_format"]),
    ],
    "training_loop": [
        (_LOOP_TRAIN.replace("        optimizer.zero_grad()\n", "").replace(
            "    model.train()\n",
            "    model.train()\n    # never clears the gradients: each step adds up every earlier batch's\n")
         + _LOOP_VALIDATE + _LOOP_MODEL, ["train_one_epoch_steps", "train_model_matches_fit"]),
        (_LOOP_TRAIN.replace(
            "    model.train()\n",
            "    # no model.train(): after the first validation every epoch trains in eval mode\n")
         + _LOOP_VALIDATE
         + _LOOP_MODEL.replace("    model.to(device)\n", "    model.to(device)\n    model.train()\n"),
         ["train_one_epoch_train_mode", "train_model_matches_fit"]),
        (_LOOP_TRAIN.replace(
            "        loss.backward()\n        optimizer.step()\n",
            "        optimizer.step()   # steps before backward: this batch's gradients are not there yet\n"
            "        loss.backward()\n")
         + _LOOP_VALIDATE + _LOOP_MODEL, ["train_one_epoch_steps"]),
        (_LOOP_TRAIN + '''

def validate(model, loader, loss_fn, device=DEVICE):
    # validates in training mode with gradients on (no model.eval(), no torch.no_grad())
    total, correct, count = 0.0, 0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        outputs = model(inputs)
        total += loss_fn(outputs, targets).item() * len(targets)
        correct += (outputs.argmax(dim=1) == targets).sum().item()
        count += len(targets)
    return total / count, correct / count
''' + _LOOP_MODEL, ["validate_eval_no_grad", "train_model_matches_fit"]),
    ],
}

WRONG_ANSWERS = {
    "lab01_digits_mlp": LAB01,
    "lab02_slice_classification": LAB02,
    "lab03_fusion_strategies": LAB03,
    "lab04_segmentation": LAB04,
    "lab05_cxr_detection": LAB05,
    "lab06_autoencoder_features": LAB06,
    "lab07_inflated_densenet": LAB07,
}
