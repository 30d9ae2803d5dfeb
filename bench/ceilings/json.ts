/** Ceiling 1: a bare Express route that parses the JSON body and answers JSON. */
import { ceilingApp, listen } from './ceiling-app';

const app = ceilingApp();
app.post('/ceiling', (_req, res) => {
  res.json({ valid: true, message: 'Member validated successfully' });
});
listen(app);
